/**
 * Token secrets: how they are made, parsed, hashed and compared. A token reads
 * `cairn_<id>_<secret>`: the id (8 random bytes, hex) finds the row without touching the
 * secret, and the secret (32 random bytes, base64url) is kept only as its SHA-256 and
 * compared in constant time. SHA-256 without a salt is enough because the secret has 256
 * bits of entropy: there is no dictionary to attack.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 bytes = 256 bits of entropy, the floor and more than any brute force reaches. */
const SECRET_BYTES = 32;
/** 8 bytes make id collisions between tokens of one server negligible (checked on insert anyway). */
const ID_BYTES = 8;
const TOKEN_RE = /^cairn_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A freshly minted token: the id to store and show, the full token to show once. */
export interface MintedToken {
  readonly id: string;
  readonly token: string;
  readonly hash: Buffer;
}

export function mintToken(): MintedToken {
  const id = randomBytes(ID_BYTES).toString('hex');
  const token = `cairn_${id}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

/** The id inside a token, or undefined when the string is not shaped like one of ours. */
export function tokenId(token: string): string | undefined {
  return TOKEN_RE.exec(token)?.[1];
}

/** SHA-256 of the whole token string. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Constant-time comparison of two hashes (both 32 bytes). */
export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
