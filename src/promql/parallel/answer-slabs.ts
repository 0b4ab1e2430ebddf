/**
 * Shared buffers the query workers write a big answer's JSON into, reused from query to
 * query. A worker's answer used to come back as a fresh copy on the main thread: the
 * 100k bench's `node_memory_MemAvailable_bytes` range answer (4.3 MB) allocated that much
 * off-heap memory on every run, and V8 answers such allocation with scavenges and a full
 * mark of the main heap every few queries (18 mark-compacts in 80 runs; a third of the
 * main thread's time, bench/RESULTS.md). A slab is a SharedArrayBuffer: the worker writes
 * into it and says how much; the main thread copies the bytes into the answer and hands
 * the slab back.
 *
 * Slabs come in powers of two from 64 KiB to 64 MiB; an answer that may need more gets
 * none (the worker copies it back as before). The pool keeps at most 64 MiB of free slabs,
 * and only pages once written take memory.
 */

const MIN_SHIFT = 16;
const MAX_SHIFT = 26;
const MAX_FREE_BYTES = 64 * 1024 * 1024;

const free: SharedArrayBuffer[][] = Array.from({ length: MAX_SHIFT + 1 }, () => []);
let freeBytes = 0;
/** Slabs handed out and not yet back: a slab is given back once, whatever the caller does. */
const lent = new WeakSet<SharedArrayBuffer>();

function shiftFor(bytes: number): number {
  let shift = MIN_SHIFT;
  while (shift <= MAX_SHIFT && 2 ** shift < bytes) shift++;
  return shift;
}

/** A slab of at least `bytes`, or undefined when an answer that big should not take one. */
export function takeSlab(bytes: number): SharedArrayBuffer | undefined {
  const shift = shiftFor(bytes);
  if (shift > MAX_SHIFT) return undefined;
  let slab = free[shift]!.pop();
  if (slab === undefined) slab = new SharedArrayBuffer(2 ** shift);
  else freeBytes -= slab.byteLength;
  lent.add(slab);
  return slab;
}

/** Gives a slab back (once; a slab the pool did not lend, or one given back already, is ignored). */
export function giveSlab(slab: SharedArrayBuffer): void {
  if (!lent.has(slab)) return;
  lent.delete(slab);
  if (freeBytes + slab.byteLength > MAX_FREE_BYTES) return;
  free[shiftFor(slab.byteLength)]!.push(slab);
  freeBytes += slab.byteLength;
}

/**
 * Gives back the slabs under `runs` (views into slabs, as the query workers return JSON);
 * runs that are plain arrays are left alone. Call it once nothing reads the runs any more.
 */
export function giveBackRuns(runs: readonly Uint8Array[]): void {
  for (const r of runs) if (r.buffer instanceof SharedArrayBuffer) giveSlab(r.buffer);
}

/** Free slabs and their bytes (for tests). */
export function slabPoolStats(): { readonly slabs: number; readonly bytes: number } {
  let slabs = 0;
  for (const list of free) slabs += list.length;
  return { slabs, bytes: freeBytes };
}

/**
 * Bytes that a share's matrix entries cannot exceed: each head (a UTF-16 unit is at most
 * three bytes of UTF-8), its closing and a comma, and `points` points of at most
 * `[-9223372036854775.808,"-2.2250738585072014e-308"],` (52 bytes).
 */
export function entriesBound(heads: readonly string[], points: number): number {
  let n = 0;
  for (const h of heads) n += 3 * h.length + 4;
  return n + 52 * points;
}

/**
 * A share's JSON as a worker hands it back: its length in the job's slab, or, when the job
 * had no slab or the bytes did not fit, the bytes themselves.
 */
export type JsonBack = number | Uint8Array;

/** The bytes `back` stands for: a view into `slab`, or the bytes (the slab is then given back). */
export function jsonOf(back: JsonBack, slab: SharedArrayBuffer | undefined): Uint8Array {
  if (typeof back === 'number') {
    if (slab === undefined) throw new Error('BUG: a query worker answered in a slab it was not given');
    return new Uint8Array(slab, 0, back);
  }
  if (slab !== undefined) giveSlab(slab);
  return back;
}
