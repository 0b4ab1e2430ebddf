/**
 * Alert and label-set fingerprints as Alertmanager prints them (`model.LabelSet.Fingerprint`
 * of prometheus/common): the 64-bit FNV-1a hash of the label pairs sorted by name, each
 * name and value as UTF-8 followed by the separator byte 0xFF, as 16 lower-case hex digits.
 * The hash is computed on two 32-bit halves so no BigInt is allocated per byte.
 */
import type { Labels } from '../model/labels.js';

/** FNV-1a 64 offset basis 0xcbf29ce484222325, as high and low 32-bit halves. */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
/** FNV 64 prime is 2^40 + 0x1b3: multiplying is `h·0x1b3 + (h << 40)`. */
const PRIME_LOW = 0x1b3;
/** prometheus/common's `SeparatorByte`, which valid UTF-8 never contains. */
const SEPARATOR = 0xff;
const TWO_32 = 0x1_0000_0000;

const encoder = new TextEncoder();

/** The fingerprint of a label set (sorted, as `Labels` always is). */
export function fingerprint(labels: Labels): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  const add = (b: number): void => {
    lo = (lo ^ b) >>> 0;
    // lo·0x1b3 < 2^41 and hi·0x1b3 < 2^41, so both products are exact doubles.
    const loProduct = lo * PRIME_LOW;
    const carry = Math.floor(loProduct / TWO_32);
    const newLo = loProduct >>> 0;
    // (h << 40) only touches the high half: it adds lo << 8 there.
    hi = ((hi * PRIME_LOW + carry) % TWO_32 + ((lo << 8) >>> 0)) % TWO_32;
    lo = newLo;
  };
  for (const l of labels) {
    for (const b of encoder.encode(l.name)) add(b);
    add(SEPARATOR);
    for (const b of encoder.encode(l.value)) add(b);
    add(SEPARATOR);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
