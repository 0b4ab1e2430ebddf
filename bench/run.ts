/**
 * `npm run bench [-- NAME...]`: runs every `bench/*.bench.ts` suite (or the named ones,
 * e.g. `startup`, `chunkenc`) one after another, each in its own process so that one
 * suite's heap does not skew the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')));
if (suites.length === 0) {
  console.error(`no bench suite matches ${wanted.join(', ')}; have: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(2);
}
for (const s of suites) {
  console.log(`\n=== ${s} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, s)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
