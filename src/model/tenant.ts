/**
 * Tenant IDs, validated with the rules of Mimir's and Loki's `tenant.ValidTenantID`, so
 * that an ID is safe as a directory name and means the same thing here as upstream.
 */
import { badData } from '../util/errors.js';

/** Mimir's limit on the length of a tenant ID, in bytes. */
export const MAX_TENANT_ID_LENGTH = 150;

/** The characters upstream allows: letters, digits and `! - _ . * ' ( )`. */
function isTenantChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x21 || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x2a || c === 0x27 || c === 0x28 || c === 0x29
  );
}

/**
 * Throws a `bad_data` CairnError (reason `invalid_tenant`) with upstream's wording when
 * `id` is not a valid single tenant ID. `|` gets its own message: it is how Mimir
 * federates several tenants, which Cairn does not do.
 */
export function validateTenantId(id: string): void {
  if (id.length === 0) throw badData('missing_tenant', 'no org id: send the tenant in the X-Scope-OrgID header or as the basic-auth username');
  if (id.includes('|')) {
    throw badData('invalid_tenant', `multiple org IDs present ('${truncate(id)}'): tenant federation is not supported by cairn`);
  }
  if (Buffer.byteLength(id) > MAX_TENANT_ID_LENGTH) {
    throw badData('invalid_tenant', `tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`);
  }
  if (id === '.' || id === '..') throw badData('invalid_tenant', `tenant ID is '.' or '..'`);
  for (let i = 0; i < id.length; i++) {
    if (!isTenantChar(id.charCodeAt(i))) {
      throw badData('invalid_tenant', `tenant ID '${truncate(id)}' contains unsupported character '${String.fromCodePoint(id.codePointAt(i)!)}'`);
    }
  }
}

function truncate(s: string): string {
  return s.length > MAX_TENANT_ID_LENGTH ? `${s.slice(0, MAX_TENANT_ID_LENGTH)}…` : s;
}
