/**
 * Per-tenant limits: the defaults from `limits:` merged with the tenant's entry in the
 * runtime-config file (Mimir's format: `overrides: {<tenant>: {<key>: <value>}}`), which
 * is re-read while the server runs. Consumers depend on `TenantLimits` (or a `Pick` of
 * `Limits`) and read the value at the moment they need it, so a reload takes effect on
 * the next request.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { badData } from '../util/errors.js';
import type { Service } from '../util/service.js';
import { LIMIT_SPECS, type Limits } from './limits.js';
import { fieldName, formatValue, parseValue } from './values.js';

/** What a consumer of limits needs: the effective limits of a tenant. */
export interface TenantLimits {
  /** The merged limits of `tenant`. Cheap (cached); do not hold across requests. */
  forTenant(tenant: string): Readonly<Limits>;
}

/** Partial limits of one tenant, as parsed from the runtime-config file. */
export type TenantOverrides = Partial<Limits>;

const specByKey = new Map(LIMIT_SPECS.map((s) => [s.key, s]));

/**
 * Parses a runtime-config document. Throws a `bad_data` CairnError naming the tenant and
 * key on any unknown key or bad value, so a bad edit is refused as a whole.
 */
export function parseRuntimeConfig(text: string, where: string): Map<string, TenantOverrides> {
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (e) {
    throw badData('invalid_runtime_config', `${where} is not valid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badData('invalid_runtime_config', `${where}: expected a mapping with an overrides key`);
  const out = new Map<string, TenantOverrides>();
  for (const [top, value] of Object.entries(doc)) {
    if (top !== 'overrides') throw badData('invalid_runtime_config', `${where}: unknown key ${top} (cairn reads only overrides)`);
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw badData('invalid_runtime_config', `${where}: overrides must map tenant IDs to limits`);
    for (const [tenant, limits] of Object.entries(value as Record<string, unknown>)) {
      const parsed: Record<string, unknown> = {};
      if (limits !== null && (typeof limits !== 'object' || Array.isArray(limits))) {
        throw badData('invalid_runtime_config', `${where}: overrides for tenant ${tenant} must be a mapping of limit keys`);
      }
      for (const [key, raw] of Object.entries((limits ?? {}) as Record<string, unknown>)) {
        const spec = specByKey.get(key);
        if (spec === undefined) throw badData('invalid_runtime_config', `${where}: unknown limit ${key} for tenant ${tenant}`);
        parsed[fieldName(spec)] = parseValue(spec, raw, `${where} (tenant ${tenant})`);
      }
      out.set(tenant, parsed as TenantOverrides);
    }
  }
  return out;
}

/** Defaults plus per-tenant overrides; the one implementation of every limits getter. */
export class Overrides implements TenantLimits {
  private overrides = new Map<string, TenantOverrides>();
  private readonly cache = new Map<string, Readonly<Limits>>();

  constructor(private readonly defaults: Readonly<Limits>) {}

  forTenant(tenant: string): Readonly<Limits> {
    let l = this.cache.get(tenant);
    if (l === undefined) {
      const o = this.overrides.get(tenant);
      l = o === undefined ? this.defaults : Object.freeze({ ...this.defaults, ...o });
      this.cache.set(tenant, l);
    }
    return l;
  }

  /** Replaces all per-tenant overrides at once. */
  replace(overrides: Map<string, TenantOverrides>): void {
    this.overrides = overrides;
    this.cache.clear();
  }

  /** The overrides as runtime-config YAML (`/runtime_config`). */
  render(): string {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [tenant, o] of [...this.overrides].sort(([a], [b]) => a.localeCompare(b))) {
      const t: Record<string, unknown> = {};
      for (const spec of LIMIT_SPECS) {
        const v = o[fieldName(spec) as keyof Limits];
        if (v !== undefined) t[spec.key] = formatValue(spec, v);
      }
      out[tenant] = t;
    }
    return stringifyYaml({ overrides: out });
  }
}

/** What a reload did, for logs and self-metrics. */
export type ReloadEvent =
  | { readonly kind: 'loaded'; readonly tenants: number }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'failed'; readonly error: Error };

/**
 * Re-reads the runtime-config file every `periodMs` (Mimir checks every 10 s) and swaps
 * the overrides in when its content changed. A file that fails to parse at start fails
 * the start, as in Mimir; later failures keep the last good overrides.
 */
export class RuntimeConfigLoader implements Service {
  readonly name = 'runtime-config';
  private timer: NodeJS.Timeout | undefined;
  private lastHash = '';

  constructor(
    private readonly file: string,
    private readonly periodMs: number,
    private readonly overrides: Overrides,
    private readonly onEvent: (e: ReloadEvent) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const e = await this.reload();
    if (e.kind === 'failed') throw e.error;
    this.timer = setInterval(() => void this.reload(), this.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the file now; exposed so tests need not wait for the period. */
  async reload(): Promise<ReloadEvent> {
    let event: ReloadEvent;
    try {
      const text = await readFile(this.file, 'utf8');
      const hash = createHash('sha256').update(text).digest('hex');
      if (hash === this.lastHash) {
        event = { kind: 'unchanged' };
      } else {
        const parsed = parseRuntimeConfig(text, `runtime config ${this.file}`);
        this.overrides.replace(parsed);
        this.lastHash = hash;
        event = { kind: 'loaded', tenants: parsed.size };
      }
    } catch (e) {
      event = { kind: 'failed', error: e as Error };
    }
    this.onEvent(event);
    return event;
  }
}
