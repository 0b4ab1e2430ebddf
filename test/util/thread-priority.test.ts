// Proves that a worker thread lowering its priority lowers only its own (Linux: nice is
// per thread), so the main thread keeps serving pushes and queries at normal priority.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE } from '../../src/util/thread-priority.js';
import { assertBuilt } from '../helpers/child.js';

const linux = platform() === 'linux';
if (!linux) console.log('thread-priority test skipped: per-thread nice values are Linux-only');

describe.skipIf(!linux)('lowerThisThreadPriority', () => {
  it('lowers the calling worker thread only', async () => {
    const before = getPriority(0);
    assertBuilt();
    // The built module: a worker thread does not load TypeScript.
    const url = new URL('../../dist/src/util/thread-priority.js', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { getPriority } = require('node:os');
      import(${JSON.stringify(url)}).then((m) => parentPort.postMessage({ ok: m.lowerThisThreadPriority(), nice: getPriority(0) }));
    `;
    const worker = new Worker(code, { eval: true });
    const got = await new Promise<{ ok: boolean; nice: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(got).toEqual({ ok: true, nice: Math.max(before, BACKGROUND_NICE) });
    expect(getPriority(0)).toBe(before);
  });
});

describe.skipIf(!linux)('lowerHelperThreadPriority', () => {
  it("lowers V8's platform threads only: not the main thread, not libuv's pool started later", () => {
    assertBuilt();
    const url = new URL('../../dist/src/util/thread-priority.js', import.meta.url).href;
    // A module entry: the ESM loader has started libuv's pool before the code runs, as in `cairn serve`.
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { readFile } from 'node:fs/promises';
      const { lowerHelperThreadPriority } = await import(${JSON.stringify(url)});
      const nice = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16])]));
      const lowered = lowerHelperThreadPriority();
      await Promise.all([1, 2, 3, 4, 5, 6].map(() => readFile(process.execPath)));
      console.log(JSON.stringify({ lowered, pid: process.pid, nice: nice() }));
    `;
    const dir = mkdtempSync(join(tmpdir(), 'cairn-prio-'));
    try {
      writeFileSync(join(dir, 'probe.mjs'), script);
      const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'probe.mjs')], { encoding: 'utf8' })) as { lowered: number; pid: number; nice: Record<string, number> };
      const tids = Object.keys(out.nice).map(Number).sort((a, b) => a - b);
      expect(out.lowered).toBe(6); // V8's pool of 4, the delayed-task scheduler, the signal thread
      expect(out.nice[String(out.pid)]).toBe(0);
      const others = tids.filter((t) => t !== out.pid);
      expect(others.slice(0, 6).map((t) => out.nice[String(t)])).toEqual(Array(6).fill(BACKGROUND_NICE));
      // The rest (libuv's pool, which does the file I/O) keep their priority.
      expect(others.slice(6).length).toBeGreaterThan(0);
      expect(others.slice(6).every((t) => out.nice[String(t)] === 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
