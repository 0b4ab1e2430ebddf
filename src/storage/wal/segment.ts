/**
 * Segment files: names and listing. A WAL directory holds numbered segment files
 * (`00000001`, `00000002`, …), read in numeric order; other names are ignored, so tools
 * may leave files such as `*.tmp` or a future `checkpoint.N` beside them.
 */
import { join } from 'node:path';
import type { WalFs } from './wal-fs.js';

/**
 * Digits of a segment name. Eight, zero-padded, as Prometheus (`%08d`), so `ls` sorts
 * them and operators recognise the layout; longer numbers simply get longer names.
 */
const SEGMENT_NAME_DIGITS = 8;

const SEGMENT_NAME = /^\d+$/;

/** One segment file and its size. */
export interface WalSegment {
  readonly index: number;
  readonly sizeBytes: number;
}

/** The file name of segment `index`. */
export function segmentName(index: number): string {
  return String(index).padStart(SEGMENT_NAME_DIGITS, '0');
}

/** The path of segment `index` in `dir`. */
export function segmentPath(dir: string, index: number): string {
  return join(dir, segmentName(index));
}

/** The segments in `dir`, ascending by index, with their sizes. */
export function listSegments(fs: WalFs, dir: string): WalSegment[] {
  const out: WalSegment[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!SEGMENT_NAME.test(name)) continue;
    const index = Number(name);
    if (!Number.isSafeInteger(index)) continue;
    out.push({ index, sizeBytes: fs.statSync(join(dir, name)).size });
  }
  return out.sort((a, b) => a.index - b.index);
}
