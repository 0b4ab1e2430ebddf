// Random edits of a valid body for the decoders' differential tests: byte flips,
// deletions and insertions at random positions, applied in order.
import fc from 'fast-check';

export type ByteEdit = { readonly at: number; readonly byte: number; readonly op: 'flip' | 'delete' | 'insert' };

/**
 * 1–3 edits; `ops` weighs the kinds (a deletion or insertion shifts every length after it,
 * so a test that wants bodies the decoder still accepts lists `flip` more than once).
 */
export function byteEdits(ops: readonly ByteEdit['op'][] = ['flip', 'delete', 'insert']): fc.Arbitrary<ByteEdit[]> {
  const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom(...ops) });
  return fc.array(edit, { minLength: 1, maxLength: 3 });
}

/** `valid` with `edits` applied (positions taken modulo the current length plus one). */
export function applyEdits(valid: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  const b = Array.from(valid);
  for (const e of edits) {
    const at = e.at % (b.length + 1);
    if (e.op === 'flip' && at < b.length) b[at] = e.byte;
    else if (e.op === 'delete' && at < b.length) b.splice(at, 1);
    else if (e.op === 'insert') b.splice(at, 0, e.byte);
  }
  return Uint8Array.from(b);
}
