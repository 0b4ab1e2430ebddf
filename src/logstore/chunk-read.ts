/**
 * Reading a compressed chunk for a select: decompress, then decode only the entries in the
 * query's range whose line passes its filter (needles are tested on the raw bytes before
 * a line becomes a string).
 */
import { containsAllTest, decodeEntries } from './chunk/chunk-format.js';
import { decompress } from './chunk/codec.js';
import type { EncodedChunk } from './chunk/encoded-chunk.js';
import { mayContain } from './chunk/filter.js';
import type { LogEntry } from './entry.js';
import type { LogSelectParams } from './interface.js';

export function decodeChunkEntries(c: EncodedChunk, p: LogSelectParams): LogEntry[] {
  const raw = decompress(c.codec, c.data);
  const out: LogEntry[] = [];
  const f = p.lineFilter;
  const test = p.needles !== undefined && p.needles.length > 0 ? containsAllTest(p.needles) : undefined;
  decodeEntries(
    raw,
    (tMs, tNs, line, metadata) => {
      if (tMs < p.startMs || (tMs === p.startMs && tNs < p.startNs)) return;
      if (tMs > p.endMs || (tMs === p.endMs && tNs >= p.endNs)) return;
      if (f !== undefined && !f(line)) return;
      out.push({ tMs, tNs, line, metadata });
    },
    test,
  );
  return out;
}

/** False when the chunk's filter proves some needle absent (no filter: true). */
export function chunkMayContainAll(c: EncodedChunk, needles: readonly string[]): boolean {
  if (c.filter === null) return true;
  for (const n of needles) if (!mayContain(c.filter, n)) return false;
  return true;
}
