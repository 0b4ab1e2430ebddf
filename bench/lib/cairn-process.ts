/**
 * Cairn as a child process for benches that need more than `targets.ts`'s `startCairn`:
 * a chosen build (`CAIRN_BENCH_ENTRY`: another compiled `cli/main.js`, e.g. a private
 * `tsc --outDir` build while `dist/` is shared), tokens with any scopes, and the server's
 * own `/metrics` read as numbers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { freePort } from './targets.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface CairnProcess {
  readonly base: string;
  readonly pid: number;
  readonly adminToken: string;
  /** The entry script the process runs. */
  readonly entry: string;
  /** Creates a token of `tenant` with `scopes` (e.g. `read+write,setup_metrics_rules`). */
  token(tenant: string, scopes: string): Promise<string>;
  /** `/metrics` as `name{labels}` → value (text format, samples only). */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

async function waitReady(url: string, exited: () => number | null): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (exited() !== null) throw new Error(`cairn exited with ${exited()}`);
    if (await fetch(url).then((r) => r.status === 200, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`cairn not ready at ${url} after 30 s`);
}

/**
 * Starts `cairn serve` on a fresh data dir and a free loopback port. `nodeArgs` are the
 * server's node flags (e.g. `--cpu-prof`); env `CAIRN_BENCH_LOG=<file>` keeps its log.
 */
export async function startCairnProcess(env: Record<string, string> = {}, nodeArgs: readonly string[] = []): Promise<CairnProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cairn-'));
  const port = await freePort();
  const admin = 'bench-admin-token-0123456789abcdef';
  const given = process.env.CAIRN_BENCH_ENTRY ?? 'dist/src/cli/main.js';
  const entry = isAbsolute(given) ? given : join(ROOT, given);
  const logFile = process.env.CAIRN_BENCH_LOG;
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port), '--log-level', logFile === undefined ? 'warn' : 'info'], {
    env: { ...process.env, CAIRN_ADMIN_TOKEN: admin, CAIRN_LIMITS_INGESTION_RATE: '0', ...env },
    stdio: ['ignore', logFile === undefined ? 'ignore' : openSync(logFile, 'w'), 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/ready`, () => child.exitCode);
  return {
    base,
    pid: child.pid!,
    adminToken: admin,
    entry,
    async token(tenant, scopes) {
      const res = await fetch(`${base}/admin/api/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant, scopes }),
      });
      if (!res.ok) throw new Error(`creating a token: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { data: { token: string } }).data.token;
    },
    async metrics() {
      const text = await (await fetch(`${base}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const sp = line.lastIndexOf(' ');
        out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
      }
      return out;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.on('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
