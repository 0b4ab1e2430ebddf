/**
 * Runs a PromQL test script against an evaluator over a real store, case by case, as
 * `promql/test.go` v2.42 runs it: each section (the file's start, then each `clear`) gets
 * a fresh tenant; `load`s are appended (consecutive ones as one commit, see load.ts) just
 * before the eval that follows them, so every eval sees exactly the data loaded before it;
 * each eval is an instant evaluation compared with its expectation. With a range
 * evaluator, each passing non-`eval_fail` eval is also run as a range query from t-1m to
 * t+1m, step 1m, and its point at t compared ("range mode" of `test.go`).
 *
 * The runner never throws for a case: a failed load, a throwing evaluator or a mismatch
 * is that case's `message`. It throws only when the file cannot be read or parsed.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Value } from '../../../src/promql/value.js';
import type { Tsdb } from '../../../src/tsdb/tsdb.js';
import { checkInstant, checkRange, rangeCheckWindow, type EvalOutcome } from './compare.js';
import { appendLoads, openScriptTsdb, type ScriptStore } from './load.js';
import { parseScript, type EvalCommand, type LoadCommand, type Script } from './parse.js';

export type { ScriptStore } from './load.js';

/** Evaluates `query` as an instant query at `timeMs` over the section's store. */
export type InstantEvaluator = (query: string, timeMs: number, store: ScriptStore) => Promise<Value>;

/** Evaluates `query` as a range query over [startMs, endMs] by `stepMs` (all inclusive). */
export type RangeEvaluator = (query: string, startMs: number, endMs: number, stepMs: number, store: ScriptStore) => Promise<Value>;

export interface RunOptions {
  /** Also check every eval in range mode, with this evaluator. */
  readonly evaluateRange?: RangeEvaluator;
  /**
   * The store to load into. Default: a temp-dir `Tsdb` opened and removed by the run.
   * A given store keeps its data; `tenantPrefix` must then make the tenants fresh.
   */
  readonly tsdb?: Tsdb;
  /** Prefix of the per-section tenant IDs (`<prefix><file>-<section>`). Default `script-`. */
  readonly tenantPrefix?: string;
  /** Only run the evals on these 1-based lines (loads still happen). */
  readonly lines?: readonly number[];
}

/** The outcome of one eval. `message` is '' when `ok`. */
export interface CaseResult {
  readonly file: string;
  readonly line: number;
  readonly query: string;
  readonly ok: boolean;
  readonly message: string;
}

/** Reads, parses and runs the script at `path`. */
export async function runScriptFile(path: string, evaluate: InstantEvaluator, opts: RunOptions = {}): Promise<CaseResult[]> {
  const script = parseScript(readFileSync(path, 'utf8'));
  return runScript(script, basename(path), evaluate, opts);
}

/** Runs a parsed script; `file` names it in results and tenant IDs. */
export async function runScript(script: Script, file: string, evaluate: InstantEvaluator, opts: RunOptions = {}): Promise<CaseResult[]> {
  const own = opts.tsdb === undefined ? await openScriptTsdb() : undefined;
  const tsdb = opts.tsdb ?? own!.tsdb;
  const wanted = opts.lines === undefined ? undefined : new Set(opts.lines);
  // Tenant IDs allow letters, digits and `!-_.*'()`: keep the file's base name to those.
  const fileId = file.replace(/\.test$/, '').replace(/[^A-Za-z0-9!\-_.*'()]/g, '_');
  const results: CaseResult[] = [];
  try {
    for (const section of script.sections) {
      const store: ScriptStore = { tsdb, tenant: `${opts.tenantPrefix ?? 'script-'}${fileId}-${section.index}` };
      if (tsdb.head(store.tenant) !== undefined) throw new Error(`BUG: tenant ${store.tenant} already has data; pass a fresh tenantPrefix`);
      let pending: LoadCommand[] = [];
      let loadError: string | undefined;
      for (const cmd of section.commands) {
        if (cmd.kind === 'load') {
          pending.push(cmd);
          continue;
        }
        if (pending.length > 0 && loadError === undefined) {
          try {
            await appendLoads(tsdb, store.tenant, pending);
          } catch (e) {
            loadError = `section ${section.index} (line ${section.line}) could not be loaded: ${(e as Error).message}`;
          }
        }
        pending = [];
        if (wanted !== undefined && !wanted.has(cmd.line)) continue;
        const message = loadError ?? (await runEval(cmd, store, evaluate, opts.evaluateRange)) ?? '';
        results.push({ file, line: cmd.line, query: cmd.expr, ok: message === '', message });
      }
    }
  } finally {
    await own?.close();
  }
  return results;
}

async function outcomeOf(p: () => Promise<Value>): Promise<EvalOutcome> {
  try {
    return { ok: true, value: await p() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** One eval: instant check, then the range check when asked for. Undefined on a pass. */
async function runEval(cmd: EvalCommand, store: ScriptStore, evaluate: InstantEvaluator, evaluateRange: RangeEvaluator | undefined): Promise<string | undefined> {
  const instant = await outcomeOf(() => evaluate(cmd.expr, cmd.timeMs, store));
  const diff = checkInstant(cmd, instant);
  if (diff !== undefined || !instant.ok || evaluateRange === undefined) return diff;
  const { startMs, endMs, stepMs } = rangeCheckWindow(cmd);
  const range = await outcomeOf(() => evaluateRange(cmd.expr, startMs, endMs, stepMs, store));
  return checkRange(cmd, instant.value, range);
}
