/**
 * What recording and alerting rules share: health as Prometheus reports it, what one
 * evaluation receives, and the RFC3339 rendering of times the APIs and Alertmanager use.
 */
import type { RuleOutput, RuleSample } from './types.js';

/** Prometheus's `RuleHealth`: `unknown` until the first evaluation. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** Everything one rule evaluation reads; built by the group for each iteration. */
export interface RuleEvalContext {
  /** The group's evaluation timestamp (ms): alert times (`activeAt`, `firedAt`) are in it. */
  readonly tMs: number;
  /** Queries run and results are stored at `tMs − queryOffsetMs` (Prometheus's `query_offset`). */
  readonly queryOffsetMs: number;
  /** The group's `limit` (0 = none). */
  readonly limit: number;
  /** Runs the rule's language (PromQL or LogQL) as an instant query for the group's tenant. */
  readonly query: (expr: string, tMs: number, signal: AbortSignal) => Promise<RuleSample[]>;
  readonly signal: AbortSignal;
  /** `-ruler.external.url`, for templates. */
  readonly externalURL: string;
  readonly externalLabels: Readonly<Record<string, string>>;
}

/** A rule as the group runs it. */
export interface EvaluatedRule {
  readonly name: string;
  readonly expr: string;
  health: RuleHealth;
  lastError: string;
  /** Wall time (ms) the last evaluation started; 0 before the first. */
  lastEvaluationMs: number;
  /** Duration of the last evaluation, seconds. */
  evaluationTimeS: number;
  /** Evaluates the rule and returns the samples to store (recorded series, or ALERTS and ALERTS_FOR_STATE). Rejects on a rule error. */
  eval(ctx: RuleEvalContext): Promise<RuleOutput[]>;
}

/** Go's RFC3339Nano rendering of a UTC time in ms (trailing fraction zeros dropped); `0001-01-01T00:00:00Z` for 0 = never. */
export function formatRfc3339(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString(); // 2024-05-01T10:00:00.120Z
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 19)}${frac === '' ? '' : `.${frac}`}Z`;
}

/** The message of any thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
