// Proves that a worker thread lowering its priority lowers only its own (Linux: nice is
// per thread), so the main thread keeps serving pushes and queries at normal priority.
import { getPriority, platform } from 'node:os';
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
