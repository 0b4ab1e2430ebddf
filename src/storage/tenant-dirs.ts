/**
 * Where each store keeps a tenant's data (`<data>/tenants/<tenant>/<store>`), and which
 * tenants a store has on disk, so both stores find their tenants at start the same way.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateTenantId } from '../model/tenant.js';

/** The directory of `store` (`tsdb`, `logs`) for `tenant`. */
export function tenantStoreDir(dataDir: string, tenant: string, store: string): string {
  return join(dataDir, 'tenants', tenant, store);
}

/** Tenants, sorted, that have a `store` directory under `<data>/tenants`; other entries are skipped. */
export function tenantsOnDisk(dataDir: string, store: string): string[] {
  const root = join(dataDir, 'tenants');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .filter((tenant) => {
      try {
        validateTenantId(tenant);
      } catch {
        return false; // not a tenant directory of ours
      }
      return existsSync(tenantStoreDir(dataDir, tenant, store));
    });
}
