/**
 * Token scopes. Fine scopes name one capability; shorthands expand to sets. The setup
 * scopes (rules, alerts) are granted only by name or by `all`, never by `write`, so a
 * token handed to a log shipper cannot rewrite alerting.
 */
import { badData } from '../util/errors.js';

/** Every fine-grained scope, in the order they are printed. */
export const SCOPES = [
  'query_metrics',
  'write_metrics',
  'setup_metrics_rules',
  'query_logs',
  'write_logs',
  'setup_logs_rules',
  'setup_alerts',
] as const;

export type Scope = (typeof SCOPES)[number];

/** Shorthands and what they grant. */
export const SCOPE_SHORTHANDS: Readonly<Record<string, readonly Scope[]>> = {
  read: ['query_metrics', 'query_logs'],
  write: ['write_metrics', 'write_logs'],
  'read+write': ['query_metrics', 'query_logs', 'write_metrics', 'write_logs'],
  all: SCOPES,
};

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/**
 * Parses a comma-separated list of scopes and shorthands (`read+write,setup_alerts`)
 * into the canonical, de-duplicated list. Throws `bad_data` naming an unknown scope.
 */
export function parseScopes(text: string): Scope[] {
  const granted = new Set<Scope>();
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw badData('invalid_scopes', `no scopes given; use a comma-separated list of ${[...Object.keys(SCOPE_SHORTHANDS), ...SCOPES].join(', ')}`);
  for (const p of parts) {
    const expanded = SCOPE_SHORTHANDS[p] ?? (isScope(p) ? [p] : undefined);
    if (expanded === undefined) throw badData('invalid_scopes', `unknown scope '${p}'; valid scopes: ${[...Object.keys(SCOPE_SHORTHANDS), ...SCOPES].join(', ')}`);
    for (const s of expanded) granted.add(s);
  }
  return SCOPES.filter((s) => granted.has(s));
}
