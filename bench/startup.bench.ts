/**
 * bench/startup: time from spawning `cairn serve` on an empty data dir to `/ready` = 200,
 * and process RSS at idle. Compares the built JavaScript (what `npm start` runs) with
 * running the TypeScript sources through the tsx loader, which is why the project builds
 * on install. Run: `npm run bench -- startup` (or `npx tsx bench/startup.bench.ts`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.RUNS ?? 10);
/** Idle time before reading RSS: long enough for start-up garbage to be collected lazily. */
const IDLE_MS = 2000;

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
}

const VARIANTS: Variant[] = [
  { name: 'built JS (npm start)', args: [join(ROOT, 'dist/src/cli/main.js')] },
  { name: 'tsx loader on src/', args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] },
];

async function once(v: Variant, measureRss: boolean): Promise<{ readyMs: number; rssMiB?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [...v.args, 'serve', '--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'info'], { cwd: ROOT });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+),"dataDir"/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
  for (let i = 0; i < 1000; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  let rssMiB: number | undefined;
  if (measureRss) {
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
    rssMiB = kb / 1024;
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { readyMs, ...(rssMiB === undefined ? {} : { rssMiB }) };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

console.log(`bench/startup: ${RUNS} runs per variant, node ${process.version}\n`);
console.log('| variant | spawn→/ready p50 | p90 | max | idle RSS |');
console.log('|---|---|---|---|---|');
const results: Record<string, number> = {};
for (const v of VARIANTS) {
  const times: number[] = [];
  let rss = 0;
  await once(v, false); // warm the OS file cache
  for (let i = 0; i < RUNS; i++) {
    const r = await once(v, i === 0);
    times.push(r.readyMs);
    if (r.rssMiB !== undefined) rss = r.rssMiB;
  }
  results[v.name] = pct(times, 50);
  console.log(`| ${v.name} | ${pct(times, 50).toFixed(0)} ms | ${pct(times, 90).toFixed(0)} ms | ${Math.max(...times).toFixed(0)} ms | ${rss.toFixed(1)} MiB |`);
}
const [a, b] = VARIANTS.map((v) => results[v.name]!);
console.log(`\nratio tsx/built (p50): ${(b! / a!).toFixed(2)}×`);
