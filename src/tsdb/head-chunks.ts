/**
 * Reading the head's chunks: a closed chunk (or a copy of the open one) is a Prometheus
 * XOR chunk, read with the general iterator.
 */
import { XorIterator } from './chunkenc/xor.js';
import type { ClosedChunk } from './chunkenc/xor-open.js';
import type { SampleIterator } from './interface.js';

export type { ClosedChunk } from './chunkenc/xor-open.js';

/** A pull iterator over one chunk's samples. */
export function chunkIterator(c: ClosedChunk): SampleIterator {
  return new XorIterator(c.bytes);
}
