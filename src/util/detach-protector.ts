/**
 * Settles V8's "array buffer detaching" protector before the server's code is optimised.
 *
 * Optimised code may assume that no ArrayBuffer in the isolate has ever been detached and
 * leave out detach checks on typed-array accesses. The first detach anywhere in the isolate
 * (a buffer transferred to a worker: the block writer's input, a sealed log chunk) breaks
 * that assumption, and V8 deoptimises every function that relied on it at once: the push
 * path, snappy, the chunk encoders, the label code. The pushes right after the first flush
 * then ran unoptimised until V8 compiled them again, 10–20 ms instead of ~2 (found with
 * `--trace-deopt` in bench/compaction: ~70 functions marked for deoptimisation, reason
 * "code dependencies", as the first block job was posted). Detaching one throwaway buffer
 * at start-up, before anything is hot, means code is optimised with the checks from the
 * beginning and the first transfer costs nothing.
 */
let settled = false;

/** Detaches one throwaway ArrayBuffer (once per thread; later calls do nothing). */
export function settleDetachProtector(): void {
  if (settled) return;
  settled = true;
  const buf = new ArrayBuffer(8);
  structuredClone(buf, { transfer: [buf] });
}
