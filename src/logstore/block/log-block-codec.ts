/**
 * Blob encodings inside a log block file (FORMAT.md): a stream's label set and a postings
 * list of stream ids. Both are small (log blocks hold thousands of streams, not millions
 * of series), so they favour simplicity over the metrics block's symbol tables.
 */
import type { Label, Labels } from '../../model/labels.js';
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { CairnError } from '../../util/errors.js';

function corrupt(what: string): CairnError {
  return new CairnError('internal', 'corrupt_block', `corrupt log block: ${what}`);
}

/** `uvarint n, (string name, string value) × n`, strings as uvarint length + UTF-8. */
export function encodeLabels(labels: Labels): Uint8Array {
  const w = new ByteWriter(64 + labels.length * 48);
  w.uvarint(labels.length);
  for (const l of labels) {
    w.string(l.name);
    w.string(l.value);
  }
  return w.finish();
}

export function decodeLabels(blob: Uint8Array): Labels {
  const r = new ByteReader(blob);
  const n = r.uvarint();
  const out: Label[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { name: r.string(), value: r.string() };
  if (r.remaining !== 0) throw corrupt(`${r.remaining} bytes after a label set`);
  return out;
}

/** Ascending stream ids as uvarint gaps (the first from -1, so every gap is at least 1). */
export function encodePostings(ids: readonly number[]): Uint8Array {
  const w = new ByteWriter(Math.max(16, ids.length * 2));
  let prev = -1;
  for (const id of ids) {
    w.uvarint(id - prev - 1);
    prev = id;
  }
  return w.finish();
}

/** Decodes a postings blob, appending the ids (ascending) to `out`. */
export function decodePostings(blob: Uint8Array, out: number[] = []): number[] {
  const r = new ByteReader(blob);
  let prev = -1;
  while (r.remaining > 0) {
    prev += r.uvarint() + 1;
    out.push(prev);
  }
  return out;
}
