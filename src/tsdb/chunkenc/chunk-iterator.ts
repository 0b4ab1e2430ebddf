/**
 * One way to read any closed chunk: the head's XOR chunks and the dense chunks of format-2
 * blocks (`ClosedChunk.times` set) yield the same samples through the same cursor shape.
 */
import { DenseIterator } from './dense.js';
import { XorIterator } from './xor.js';
import type { ClosedChunk } from './xor-open.js';

/** A cursor over one chunk's samples (`next`, `t`, `v`, `err`), whatever its encoding. */
export type ChunkSampleIterator = XorIterator | DenseIterator;

/** A fresh cursor over the chunk's samples, oldest first. */
export function chunkIterator(c: ClosedChunk): ChunkSampleIterator {
  return c.times === undefined ? new XorIterator(c.bytes) : new DenseIterator(c.times, c.bytes);
}
