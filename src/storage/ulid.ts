/**
 * ULIDs name blocks (as Prometheus names its block directories): 48 bits of Unix time in
 * milliseconds then 80 random bits, written as 26 characters of Crockford base32. Because
 * the time comes first and the alphabet is in ASCII order, sorting names sorts blocks by
 * creation time.
 */
import { randomBytes } from 'node:crypto';
import { assert, CairnError } from '../util/errors.js';

/** Crockford's base32 alphabet: digits and letters without I, L, O, U. ASCII-ordered. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 10 characters × 5 bits hold the 48-bit time (the top 2 bits are always 0). */
const TIME_CHARS = 10;
/** 16 characters × 5 bits hold exactly the 80 random bits. */
const RANDOM_CHARS = 16;
/** 80 random bits are 10 bytes. */
const RANDOM_BYTES = 10;
/** The time field is 48 bits wide: times up to the year 10889. */
const MAX_TIME_MS = 2 ** 48 - 1;

/** Length of a ULID string. */
export const ULID_LENGTH = TIME_CHARS + RANDOM_CHARS;

/**
 * A new ULID for time `nowMs` (Unix ms, an integer in [0, 2^48)). `random` supplies the
 * 80 random bits as 10 bytes (tests pass fixed bytes); by default they come from
 * `crypto.randomBytes`. Two ULIDs made in the same millisecond are ordered by their random
 * part only: this is not the "monotonic" ULID variant. Out-of-range arguments are bugs
 * (assert).
 */
export function newUlid(nowMs: number, random?: Uint8Array): string {
  assert(Number.isInteger(nowMs) && nowMs >= 0 && nowMs <= MAX_TIME_MS, `ulid time ${nowMs} is not an integer in [0, 2^48)`);
  const rnd = random ?? randomBytes(RANDOM_BYTES);
  assert(rnd.length === RANDOM_BYTES, `ulid randomness must be ${RANDOM_BYTES} bytes, got ${rnd.length}`);
  let out = '';
  // Time: 48 bits, most significant first. Division keeps it exact above 2^32.
  let t = nowMs;
  const timeChars = new Array<string>(TIME_CHARS);
  for (let i = TIME_CHARS - 1; i >= 0; i--) {
    timeChars[i] = ALPHABET[t % 32]!;
    t = Math.floor(t / 32);
  }
  out += timeChars.join('');
  // Randomness: 80 bits = 16 groups of 5, read across byte boundaries.
  let acc = 0;
  let bits = 0;
  for (const b of rnd) {
    acc = ((acc << 8) | b) & 0xfff; // at most 12 live bits, so this never overflows
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >> bits) & 31]!;
    }
  }
  return out;
}

/** Decodes one Crockford character, or -1 when it is not one of the 32. */
function charValue(c: string): number {
  return ALPHABET.indexOf(c.toUpperCase());
}

/** True when `s` is a well-formed ULID (26 Crockford characters, time within 48 bits). */
export function isUlid(s: string): boolean {
  if (s.length !== ULID_LENGTH) return false;
  for (const c of s) if (charValue(c) < 0) return false;
  // The first character holds the top 3 bits of a 50-bit field whose top 2 are zero.
  return charValue(s[0]!) <= 7;
}

/**
 * The Unix ms time in a ULID. Throws a CairnError (kind `bad_data`, reason
 * `invalid_ulid`) naming the string when it is not a ULID.
 */
export function ulidTime(ulid: string): number {
  if (!isUlid(ulid)) throw new CairnError('bad_data', 'invalid_ulid', `invalid ulid ${JSON.stringify(ulid)}: want 26 crockford base32 characters`);
  let t = 0;
  for (let i = 0; i < TIME_CHARS; i++) t = t * 32 + charValue(ulid[i]!);
  return t;
}
