// Proves that settling V8's array-buffer-detaching protector at start-up keeps optimised
// code optimised through the first transfer of a buffer to a worker, and that without it
// that transfer deoptimises code that reads typed arrays (the stall it prevents).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/child.js';

/** Optimises a typed-array reader, detaches a buffer, reports whether the reader is still optimised. */
function probe(settleFirst: boolean): boolean {
  assertBuilt();
  const url = new URL('../../dist/src/util/detach-protector.js', import.meta.url).href;
  const script = `
    const { settleDetachProtector } = await import(${JSON.stringify(url)});
    if (${settleFirst}) settleDetachProtector();
    const arr = new Float64Array(64);
    function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }
    %PrepareFunctionForOptimization(sum);
    sum(arr); sum(arr);
    %OptimizeFunctionOnNextCall(sum);
    sum(arr);
    const OPTIMIZED = 1 << 4; // V8's OptimizationStatus::kOptimized
    if ((%GetOptimizationStatus(sum) & OPTIMIZED) === 0) throw new Error('sum was not optimised');
    const buf = new ArrayBuffer(8);
    structuredClone(buf, { transfer: [buf] }); // what postMessage's transferList does
    console.log(JSON.stringify((%GetOptimizationStatus(sum) & OPTIMIZED) !== 0));
  `;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-detach-'));
  try {
    writeFileSync(join(dir, 'probe.mjs'), script);
    return JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', join(dir, 'probe.mjs')], { encoding: 'utf8' })) as boolean;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('settleDetachProtector', () => {
  it.each([
    { settleFirst: true, stillOptimised: true },
    { settleFirst: false, stillOptimised: false },
  ])('settled first: $settleFirst -> optimised code survives the first detach: $stillOptimised', ({ settleFirst, stillOptimised }) => {
    expect(probe(settleFirst)).toBe(stillOptimised);
  });
});
