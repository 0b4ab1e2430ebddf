/**
 * Chunk bytes carved out of large shared ArrayBuffers.
 *
 * A `new Uint8Array(n)` costs, besides its n bytes, an ArrayBuffer object and a native
 * backing store (~200 bytes measured, per buffer). The head holds one open chunk per
 * series and, until blocks take them, a dozen closed chunks per series: at 250 000 series
 * that overhead alone would be hundreds of MiB. Views into 1 MiB slabs cost only the view.
 *
 * Two allocators for the two lifetimes:
 * - `ChunkBufferPool`: the open chunks' growable buffers. Power-of-two size classes with
 *   free lists; a buffer handed back (grown out of, or its series dropped) is reused.
 * - `ClosedChunkSlabs`: immutable copies of cut chunks, bump-allocated. Chunks cut at
 *   about the same time share slabs, and the head drops chunks oldest first, so a slab is
 *   freed by the GC once all its chunks are gone.
 */

/** Slab size: large enough to amortise the per-buffer cost, small enough to free in pieces. */
const SLAB_BYTES = 1 << 20;
/** Smallest pooled buffer: Prometheus's initial chunk allocation. */
const MIN_CLASS_BYTES = 128;
/** Larger requests get their own ArrayBuffer (chunks never come near it). */
const MAX_CLASS_BYTES = 64 * 1024;

export class ChunkBufferPool {
  private slab = new ArrayBuffer(0);
  private used = 0;
  /**
   * Free buffers by size class: index = log2(size / MIN_CLASS_BYTES). Every class's list
   * exists from the start: a list created on first release grew the array past its bounds,
   * which deoptimized `release` (inlined into the append path) at the first flush.
   */
  private readonly free: Uint8Array[][] = Array.from({ length: Math.log2(MAX_CLASS_BYTES / MIN_CLASS_BYTES) + 1 }, () => []);

  /** A zeroed buffer of at least `size` bytes (a power of two ≥ 128). */
  alloc(size: number): Uint8Array {
    let bytes = MIN_CLASS_BYTES;
    let cls = 0;
    while (bytes < size) {
      bytes *= 2;
      cls++;
    }
    if (bytes > MAX_CLASS_BYTES) return new Uint8Array(bytes);
    const reuse = this.free[cls]!.pop();
    if (reuse !== undefined) {
      reuse.fill(0);
      return reuse;
    }
    if (this.used + bytes > this.slab.byteLength) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.used = 0;
    }
    const view = new Uint8Array(this.slab, this.used, bytes);
    this.used += bytes;
    return view;
  }

  /** Hands a buffer from `alloc` back; the caller must not use it afterwards. */
  release(buf: Uint8Array): void {
    const size = buf.length;
    if (size < MIN_CLASS_BYTES || size > MAX_CLASS_BYTES || (size & (size - 1)) !== 0) return;
    const cls = Math.log2(size / MIN_CLASS_BYTES);
    this.free[cls]!.push(buf);
  }
}

export class ClosedChunkSlabs {
  private slab = new Uint8Array(0);
  private used = 0;

  /**
   * @param nextSlab the first slab's size; each next one doubles, up to 1 MiB. A reader's
   *   snapshot of a few open chunks should not pay for zeroing a whole megabyte.
   */
  constructor(private nextSlab = SLAB_BYTES) {}

  /** An immutable copy of `src[0, length)`. */
  copy(src: Uint8Array, length: number): Uint8Array {
    if (length > SLAB_BYTES / 8) return src.slice(0, length);
    if (this.used + length > this.slab.length) {
      this.slab = new Uint8Array(Math.max(this.nextSlab, length));
      this.nextSlab = Math.min(SLAB_BYTES, this.nextSlab * 2);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    out.set(src.subarray(0, length));
    this.used += length;
    return out;
  }
}

/** The process's pools: the head is single-threaded (DESIGN.md, Concurrency). */
export const chunkBuffers = new ChunkBufferPool();
export const closedChunks = new ClosedChunkSlabs();
