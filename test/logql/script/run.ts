/**
 * Runs a LogQL test script in process, case by case, as the Go harness runs it on its
 * direct stack and as the HTTP conformance runner maps it to Loki's API:
 *
 * - each section (the file's start, then each `clear`) gets a fresh tenant in a real log
 *   store; the loads gathered since the last push go in as one push through the real push
 *   path (load.ts) just before the next eval or `flush`; `flush` also cuts the tenant's
 *   head into blocks, as the Go store cuts chunks there;
 * - each query is parsed with `parseLogQL` (a parse error is the case's outcome, which
 *   `expect fail` may want) and evaluated through the caller's evaluator:
 *   instant metric query → an instant query at T; range → a range query with its step;
 *   `eval select` → a range query over [t0, t1) in its direction; an instant LOG query →
 *   a range query over [T-30s, T) (Loki's engine look-back; Loki's HTTP `/query` refuses
 *   log queries); every query with limit 1000 (the Go harness's), forward unless told.
 *
 * The runner never throws for a case: a refused push, a throwing evaluator or a mismatch is
 * that case's `message`. It throws only when the file cannot be read or parsed.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseLogQL, type LogQLExpr } from '../../../src/logql/index.js';
import type { InstantQueryParams, LogQLSource, LogQLValue, RangeQueryParams } from '../../../src/logql/engine/types.js';
import { compareOutcome, errorText, type LogqlOutcome } from './compare.js';
import { openScriptLogStore, pushLoads, type ScriptLogStore } from './load.js';
import { parseLogqlScript, SCRIPT_EPOCH_MS, type EvalCase, type LoadLine, type Script } from './parse.js';

/** The `limit` of every query (the Go harness's and the HTTP runner's). */
export const QUERY_LIMIT = 1000;
/** How far an instant log query looks back: Loki's engine answers it over [T-30s, T). */
export const INSTANT_LOG_LOOKBACK_NS = 30e9;
/** `stepMs` of log queries, which have none: the contract wants a positive number and log queries ignore it. */
const LOG_QUERY_STEP_MS = 1000;

/** One query as the engine takes it. */
export type ScriptQuery =
  | { readonly kind: 'instant'; readonly expr: LogQLExpr; readonly params: InstantQueryParams }
  | { readonly kind: 'range'; readonly expr: LogQLExpr; readonly params: RangeQueryParams };

/** Evaluates one query over a section's data. */
export type LogqlEvaluator = (query: ScriptQuery, src: LogQLSource) => Promise<LogQLValue>;

export interface LogqlRunOptions {
  /** The store to load into. Default: a temp-dir store opened and removed by the run. A given store keeps its data; `tenantPrefix` must keep tenants fresh. */
  readonly target?: ScriptLogStore;
  /** Prefix of the per-section tenant IDs (`<prefix><file>-<section>`). Default `logql-`. */
  readonly tenantPrefix?: string;
  /** Only run the evals on these 1-based lines (loads still happen). */
  readonly lines?: readonly number[];
  /** Ask for categorize-labels answers and compare streams that way. */
  readonly categorizeLabels?: boolean;
}

/** The outcome of one eval. `message` is '' when `ok`. */
export interface LogqlCaseResult {
  readonly file: string;
  readonly line: number;
  readonly query: string;
  readonly ok: boolean;
  readonly message: string;
}

/** Reads, parses and runs the script at `path`. */
export async function runLogqlScriptFile(path: string, evaluate: LogqlEvaluator, opts: LogqlRunOptions = {}): Promise<LogqlCaseResult[]> {
  const file = basename(path);
  return runLogqlScript(parseLogqlScript(readFileSync(path, 'utf8'), file), evaluate, opts);
}

/** A script time (ns from the epoch) as the engine's (ms, ns-within-ms) pair. */
function at(tNs: number): { ms: number; ns: number } {
  const ms = Math.floor(tNs / 1e6);
  return { ms: SCRIPT_EPOCH_MS + ms, ns: tNs - ms * 1e6 };
}

/** The engine call for a case whose query parsed as `expr` (the HTTP runner's mapping, see the file comment). */
export function queryFor(c: EvalCase, expr: LogQLExpr, categorizeLabels = false): ScriptQuery {
  const isLog = expr.kind === 'log_selector';
  const range = (startNs: number, endNs: number, stepMs: number, direction: 'forward' | 'backward', limit: number): ScriptQuery => {
    const [s, e] = [at(startNs), at(endNs)];
    return { kind: 'range', expr, params: { startMs: s.ms, startNs: s.ns, endMs: e.ms, endNs: e.ns, stepMs, intervalMs: 0, limit, direction, categorizeLabels } };
  };
  switch (c.mode) {
    case 'instant': {
      if (isLog) return range(c.tNs - INSTANT_LOG_LOOKBACK_NS, c.tNs, LOG_QUERY_STEP_MS, 'forward', QUERY_LIMIT);
      const t = at(c.tNs);
      return { kind: 'instant', expr, params: { tMs: t.ms, tNs: t.ns, limit: QUERY_LIMIT, direction: 'forward', categorizeLabels } };
    }
    case 'range':
      return range(c.startNs, c.endNs, c.stepNs / 1e6, 'forward', QUERY_LIMIT);
    case 'select':
      return range(c.startNs, c.endNs, LOG_QUERY_STEP_MS, c.direction, c.limit ?? QUERY_LIMIT);
    case 'malformed':
      throw new Error(`BUG: malformed case at line ${c.line} reached queryFor`);
  }
}

async function evaluateCase(c: EvalCase, target: ScriptLogStore, tenant: string, evaluate: LogqlEvaluator, categorizeLabels: boolean): Promise<LogqlOutcome> {
  try {
    const expr = parseLogQL(c.query);
    const src: LogQLSource = { querier: (mint, maxt) => target.store.logQuerier(tenant, mint, maxt) };
    return { ok: true, value: await evaluate(queryFor(c, expr, categorizeLabels), src) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs a parsed script; each section loads into its own tenant. */
export async function runLogqlScript(script: Script, evaluate: LogqlEvaluator, opts: LogqlRunOptions = {}): Promise<LogqlCaseResult[]> {
  const own = opts.target === undefined ? await openScriptLogStore() : undefined;
  const target = opts.target ?? own!;
  const wanted = opts.lines === undefined ? undefined : new Set(opts.lines);
  const categorize = opts.categorizeLabels === true;
  // Tenant IDs allow letters, digits and `!-_.*'()`: keep the file's base name to those.
  const fileId = script.file.replace(/\.logqltest$/, '').replace(/[^A-Za-z0-9!\-_.*'()]/g, '_');
  const results: LogqlCaseResult[] = [];
  try {
    for (const section of script.sections) {
      const tenant = `${opts.tenantPrefix ?? 'logql-'}${fileId}-${section.index}`;
      if (target.store.store(tenant) !== undefined) throw new Error(`BUG: tenant ${tenant} already has data; pass a fresh tenantPrefix`);
      let pending: LoadLine[] = [];
      let loadError: string | undefined;
      // Pushes what was loaded since the last push; a refusal fails the rest of the section, as the HTTP runner does.
      const push = async () => {
        if (pending.length === 0 || loadError !== undefined) return;
        const loads = pending;
        pending = [];
        try {
          await pushLoads(target, tenant, loads);
        } catch (e) {
          loadError = `section at line ${section.line}: the push of the loads at line${loads.length > 1 ? 's' : ''} ${[...new Set(loads.map((l) => l.line))].join(', ')} was refused: ${errorText(e)}`;
        }
      };
      for (const cmd of section.commands) {
        if (cmd.kind === 'load') {
          pending.push(...cmd.streams);
          continue;
        }
        await push();
        if (cmd.kind === 'flush') {
          if (loadError === undefined) await target.store.flush(tenant);
          continue;
        }
        const c = cmd.eval;
        if (wanted !== undefined && !wanted.has(c.line)) continue;
        let message: string | undefined;
        if (c.invalid !== undefined) message = `invalid case: ${c.invalid}`;
        else if (loadError !== undefined) message = loadError;
        else message = compareOutcome(c, await evaluateCase(c, target, tenant, evaluate, categorize), { categorizeLabels: categorize });
        results.push({ file: script.file, line: c.line, query: c.query, ok: message === undefined, message: message ?? '' });
      }
    }
  } finally {
    await own?.close();
  }
  return results;
}
