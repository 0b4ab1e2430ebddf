/**
 * Parser for Loki's LogQL test scripts (`.logqltest`, `pkg/logql/internal/logqltest`:
 * parser.go and the block rules of runner.go), plus the later additions the newer upstream
 * files use (`eval select … [forward|backward] [limit n]`, expected log lines with
 * `[metadata …]` / `[parsed …]`, `flush`, `expect values-toleration`):
 *
 *     clear                                  starts a new section (a fresh tenant when run)
 *     load                                   then one stream line per entry group:
 *       {app="a"} "line {{.i}}" @ 10s [repeat every 10s for 6] [metadata k="v"]
 *     flush                                  a chunk boundary upstream; a push boundary here
 *     eval instant at <t> <query>            expected: `{labels} v`, a scalar, log lines
 *     eval range from <t0> to <t1> step <s> <query>      `{labels} v0 v1 _ 1+2x3 …`
 *     eval select from <t0> to <t1> [forward|backward] [limit n] <log query>
 *       {app="a"} "line" @ 10s [metadata k="v"] [parsed p="q"]
 *       expect fail [msg: <substring> | regex: <re>] · expect empty · expect ordered
 *
 * Times are Go durations from the script epoch (2026-01-01T00:00:00Z), kept as integer
 * nanoseconds (exact: scripts stay far below 2^53 ns). `#` starts a comment outside quotes;
 * a blank line or an unindented line ends a block. Load lines process no escapes (`"…"` and
 * `` `…` `` are both raw); expected label sets are PromQL metrics (Go escapes, empty values
 * kept), load label sets drop empty values as Loki's label parser does.
 *
 * Queries are not parsed here: the runner does, so a query that does not parse is that
 * case's error (which `expect fail` may want). A malformed case is kept with `invalid` set,
 * so it counts and fails instead of vanishing; a malformed load line is a file error.
 */
import { compareByName, type Label } from '../../../src/model/labels.js';
import { parseGoDurationNs } from '../../../src/logql/go-convert.js';
import { unquoteString } from '../../../src/promql/parser/literals.js';

/** The script epoch of the Go harness (`parser.go`: 2026-01-01T00:00:00Z), ms. */
export const SCRIPT_EPOCH_MS = Date.UTC(2026, 0, 1);

/** The execution stacks of the Go harness that `skip`/`values-toleration` may name. */
export const STACK_NAMES: readonly string[] = ['direct', 'query-frontend + query-scheduler (no sharding)', 'query-frontend + query-scheduler (sharding)'];

/** A label set whose values may be empty (LogQL results), sorted by name. */
export type ScriptLabels = readonly Label[];

/** One entry to load; `tNs` from the epoch. */
export interface LoadEntry {
  readonly tNs: number;
  readonly line: string;
  /** Structured metadata as written (order kept, empty values kept); [] when none. */
  readonly metadata: readonly Label[];
}

/** One `load` line: a stream (labels as written, empty values dropped) and its entries. */
export interface LoadLine {
  readonly line: number;
  /** In the order written, for the push body. */
  readonly labels: readonly Label[];
  /** `labelsText(sorted labels)`: which stream the entries belong to. */
  readonly key: string;
  readonly entries: readonly LoadEntry[];
}

/** An expected sample of a series line; `present: false` is `_`. */
export interface ExpectedSample {
  readonly present: boolean;
  readonly v: number;
}

export interface ExpectedSeries {
  readonly labels: ScriptLabels;
  readonly key: string;
  readonly samples: readonly ExpectedSample[];
}

export interface ExpectedLogEntry {
  readonly tNs: number;
  readonly line: string;
  /** `[metadata …]` / `[parsed …]`; [] when absent. */
  readonly metadata: readonly Label[];
  readonly parsed: readonly Label[];
}

/** Expected log lines of one stream label set, in order. */
export interface ExpectedStream {
  readonly labels: ScriptLabels;
  readonly key: string;
  readonly entries: ExpectedLogEntry[];
}

export type FailMatch = { readonly kind: 'any' } | { readonly kind: 'msg'; readonly text: string } | { readonly kind: 'regex'; readonly text: string };

/** What an eval expects: exactly one of fail, empty, scalar, series, streams (checked). */
export interface Expectation {
  fail: FailMatch | undefined;
  empty: boolean;
  ordered: boolean;
  scalar: number | undefined;
  readonly series: ExpectedSeries[];
  readonly streams: ExpectedStream[];
  /** Stacks named by `skip values-comparison on "<stack>"` (the in-process run is `direct`). */
  readonly skipValuesOn: string[];
  /** `expect values-toleration <eps> on "<stack>"`. */
  readonly tolerations: Map<string, number>;
}

interface EvalBase {
  readonly file: string;
  /** 1-based line of the `eval`. */
  readonly line: number;
  readonly query: string;
  readonly expect: Expectation;
  /** Why the case is malformed (it then fails without running), or undefined. */
  readonly invalid: string | undefined;
}

export type EvalCase =
  | (EvalBase & { readonly mode: 'instant'; readonly tNs: number })
  | (EvalBase & { readonly mode: 'range'; readonly startNs: number; readonly endNs: number; readonly stepNs: number })
  | (EvalBase & { readonly mode: 'select'; readonly startNs: number; readonly endNs: number; readonly direction: 'forward' | 'backward'; readonly limit: number | undefined })
  | (EvalBase & { readonly mode: 'malformed' });

export type Command =
  | { readonly kind: 'load'; readonly line: number; readonly streams: readonly LoadLine[] }
  | { readonly kind: 'flush'; readonly line: number }
  | { readonly kind: 'eval'; readonly line: number; readonly eval: EvalCase };

/** The commands from one `clear` (or the file start) to the next. */
export interface Section {
  /** 0 for commands before the first `clear`, then 1, 2, … per `clear`. */
  readonly index: number;
  readonly line: number;
  readonly commands: Command[];
}

export interface Script {
  readonly file: string;
  /** Sections that have commands, in order. */
  readonly sections: readonly Section[];
  readonly cases: readonly EvalCase[];
}

/** A malformed script (a bad load line or an unknown command); `line` is 1-based. */
export class LogqlScriptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'LogqlScriptError';
  }
}

/** A canonical text of a label set, kept empty values: `{a="x", b=""}` (sorted, JSON-quoted). */
export function labelsText(ls: readonly Label[]): string {
  const sorted = [...ls].sort(compareByName);
  return `{${sorted.map((l) => `${/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l.name) ? l.name : JSON.stringify(l.name)}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

/** Removes a trailing `# …` comment, ignoring `#` inside "…" or `…` (runner.go's stripComment). */
export function stripComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '#') return line.slice(0, i).replace(/[ \t]+$/, '');
  }
  return line;
}

/** Go's `time.ParseDuration` in ns; throws on a bad duration. */
export function parseDurationNs(s: string): number {
  const ns = parseGoDurationNs(s);
  if (ns === undefined) throw new Error(`invalid duration ${JSON.stringify(s)}`);
  return ns;
}

/** parser.go's parseFloat: `NaN`, `Inf`/`+Inf`/`-Inf`, else Go's `strconv.ParseFloat` decimal forms. */
export function parseScriptFloat(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === 'Inf' || s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const lower = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(lower)) return NaN;
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  throw new Error(`invalid number ${JSON.stringify(s)}`);
}

/** A Go string literal at the head of `s` ("…" with escapes, or `…`), as ParseMetric reads it. */
const GO_STRING = /^(?:"(?:[^"\\\n]|\\(?:[abfnrtv\\'"]|x[0-9a-fA-F]{2}|[0-7]{3}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}))*"|`[^`]*`)/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Parses a whole `{name="value", …}` label set (trailing comma allowed). Names are
 * identifiers or quoted; values are Go strings. With `dropEmpty`, empty values are
 * removed (Loki's `syntax.ParseLabels` on load lines). Order is as written.
 */
export function parseLabelSet(text: string, dropEmpty: boolean): Label[] {
  const s = text.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) throw new Error(`invalid label set ${JSON.stringify(text)}`);
  const out: Label[] = [];
  let i = 1;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const str = (): string => {
    const m = GO_STRING.exec(s.slice(i));
    if (m === null) throw new Error(`expected a quoted string at ${JSON.stringify(s.slice(i))}`);
    i += m[0].length;
    return unquoteString(m[0]);
  };
  ws();
  while (s[i] !== '}') {
    let name: string;
    if (s[i] === '"' || s[i] === '`') name = str();
    else {
      const m = LABEL_NAME.exec(s.slice(i));
      if (m === null) throw new Error(`invalid label name at ${JSON.stringify(s.slice(i))}`);
      name = m[0];
      i += name.length;
    }
    ws();
    if (s[i] !== '=' || s[i + 1] === '~') throw new Error(`expected '=' after label ${name}`);
    i++;
    ws();
    const value = str();
    if (out.some((l) => l.name === name)) throw new Error(`duplicate label ${name}`);
    out.push({ name, value });
    ws();
    if (s[i] === ',') {
      i++;
      ws();
    } else if (s[i] !== '}') throw new Error(`expected ',' or '}' at ${JSON.stringify(s.slice(i))}`);
  }
  if (i !== s.length - 1) throw new Error(`unexpected content after label set ${JSON.stringify(text)}`);
  return dropEmpty ? out.filter((l) => l.value !== '') : out;
}

const RE_AT = /^\s*@\s*(\S+)/;
const RE_REPEAT = /^\s*\[repeat every\s+(\S+)\s+for\s+(\d+)\]/;
const RE_METADATA = /^\s*\[metadata\s+(.*?)\]/;
const RE_PARSED = /^\s*\[parsed\s+(.*?)\]/;
const RE_KV = /(?:"([^"]*)"|([^\s"=]+))="([^"]*)"/g;
const RE_INSTANT = /^at\s+(\S+)\s+(.+)$/;
const RE_RANGE = /^from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/;
const RE_SELECT = /^from\s+(\S+)\s+to\s+(\S+)(?:\s+(forward|backward))?(?:\s+limit\s+(\d+))?\s+(.+)$/;
const RE_SKIP = /^skip\s+(\S+)\s+on\s+"([^"]+)"$/;
const RE_TOLERATION = /^expect\s+values-toleration\s+(\S+)\s+on\s+"([^"]+)"$/;

/** The leading `{…}` (the first `}` closes it, as in Go) and the rest of the line. */
function splitLabels(line: string): [string, string] {
  const t = line.trim();
  if (!t.startsWith('{')) throw new Error("expected stream labels starting with '{'");
  const end = t.indexOf('}');
  if (end < 0) throw new Error('unterminated stream labels');
  return [t.slice(0, end + 1), t.slice(end + 1)];
}

/** The first "…" or `…` quoted text (raw: no escapes) and the rest after it. */
function splitQuoted(s: string): [string, string] {
  const start = s.search(/["`]/);
  if (start < 0) throw new Error('missing quoted log line');
  const end = s.indexOf(s[start]!, start + 1);
  if (end < 0) throw new Error('unterminated quoted log line');
  return [s.slice(start + 1, end), s.slice(end + 1)];
}

/** The pairs of a `[metadata …]` / `[parsed …]` block; every token must be `key="value"`. */
function parseKVBlock(inner: string, what: string): Label[] {
  const out: Label[] = [];
  for (const kv of inner.matchAll(RE_KV)) {
    const name = kv[1] ?? kv[2] ?? '';
    if (name === '') throw new Error(`empty ${what} key in ${JSON.stringify(inner)}`);
    out.push({ name, value: kv[3]! });
  }
  if (inner.replace(RE_KV, '').trim() !== '') throw new Error(`invalid ${what} ${JSON.stringify(inner)}: expected key="value" pairs`);
  if (out.length === 0) throw new Error(`empty [${what} ...] block`);
  return out;
}

/** One `load` data line (parser.go's streamsParser.parse). */
export function parseLoadLine(content: string, line: number): LoadLine {
  const [labelText, afterLabels] = splitLabels(content);
  let labels: Label[];
  try {
    labels = parseLabelSet(labelText, true);
  } catch (e) {
    throw new Error(`invalid stream labels ${JSON.stringify(labelText)}: ${(e as Error).message}`);
  }
  const [message, afterLine] = splitQuoted(afterLabels);
  let rest = afterLine;
  const at = RE_AT.exec(rest);
  if (at === null) throw new Error("missing '@ <start>' timestamp");
  const start = parseDurationNs(at[1]!);
  rest = rest.slice(at[0].length);
  let step = 0;
  let count = 1;
  const rep = RE_REPEAT.exec(rest);
  if (rep !== null) {
    step = parseDurationNs(rep[1]!);
    count = Number(rep[2]);
    if (count < 1) throw new Error(`repeat count must be at least 1, got ${JSON.stringify(rep[2])}`);
    rest = rest.slice(rep[0].length);
  }
  let metadata: Label[] = [];
  const md = RE_METADATA.exec(rest);
  if (md !== null) {
    metadata = parseKVBlock(md[1]!.trim(), 'metadata');
    rest = rest.slice(md[0].length);
  }
  if (rest.trim() !== '') throw new Error(`unexpected content after log line: ${JSON.stringify(rest.trim())}`);
  const entries: LoadEntry[] = [];
  for (let i = 0; i < count; i++) entries.push({ tNs: start + i * step, line: message.split('{{.i}}').join(String(i)), metadata });
  return { line, labels, key: labelsText(labels), entries };
}

/** `<base>[±<step>]x<count>`: count+1 samples. */
function expandSamples(tok: string, xIdx: number): ExpectedSample[] {
  const head = tok.slice(0, xIdx);
  const tail = tok.slice(xIdx + 1);
  if (!/^[+-]?\d+$/.test(tail)) throw new Error(`invalid repeat count in ${JSON.stringify(tok)}`);
  const count = Number(tail);
  if (count < 0) throw new Error(`negative repeat count in ${JSON.stringify(tok)}`);
  let base = head;
  let step = '0';
  const plus = head.lastIndexOf('+');
  const minus = head.lastIndexOf('-');
  if (plus > 0) [base, step] = [head.slice(0, plus), head.slice(plus + 1)];
  else if (minus > 0) [base, step] = [head.slice(0, minus), head.slice(minus)];
  const b = parseScriptFloat(base);
  const s = parseScriptFloat(step);
  return Array.from({ length: count + 1 }, (_, i) => ({ present: true, v: b + i * s }));
}

/** Sample tokens of a series line: `5`, `_`, `NaN`, `+Inf`, `1+2x3`, `4-1x2`, `7x2`. */
export function parseSamples(tokens: readonly string[]): ExpectedSample[] {
  const out: ExpectedSample[] = [];
  for (const tok of tokens) {
    if (tok === '_') out.push({ present: false, v: NaN });
    else if (tok.includes('x')) out.push(...expandSamples(tok, tok.indexOf('x')));
    else out.push({ present: true, v: parseScriptFloat(tok) });
  }
  return out;
}

function newExpectation(): Expectation {
  return { fail: undefined, empty: false, ordered: false, scalar: undefined, series: [], streams: [], skipValuesOn: [], tolerations: new Map() };
}

/** A `{labels}` line whose rest starts with a quote is a log line, else a series line. */
function isLogLine(line: string): boolean {
  const i = line.indexOf('}');
  if (i < 0) return false;
  const rest = line.slice(i + 1).trim();
  return rest.startsWith('"') || rest.startsWith('`');
}

function parseExpectedLogLine(exp: Expectation, content: string): void {
  const [labelText, afterLabels] = splitLabels(content);
  const labels = parseLabelSet(labelText, false);
  const [line, afterLine] = splitQuoted(afterLabels);
  let rest = afterLine;
  const at = RE_AT.exec(rest);
  if (at === null) throw new Error("missing '@ <ts>' timestamp");
  const tNs = parseDurationNs(at[1]!);
  rest = rest.slice(at[0].length);
  let metadata: Label[] | undefined;
  let parsed: Label[] | undefined;
  for (;;) {
    const md = metadata === undefined ? RE_METADATA.exec(rest) : null;
    if (md !== null) {
      metadata = parseKVBlock(md[1]!.trim(), 'metadata');
      rest = rest.slice(md[0].length);
      continue;
    }
    const pb = parsed === undefined ? RE_PARSED.exec(rest) : null;
    if (pb !== null) {
      parsed = parseKVBlock(pb[1]!.trim(), 'parsed');
      rest = rest.slice(pb[0].length);
      continue;
    }
    break;
  }
  if (rest.trim() !== '') throw new Error(`unexpected content after log line: ${JSON.stringify(rest.trim())}`);
  const key = labelsText(labels);
  let stream = exp.streams.find((s) => s.key === key);
  if (stream === undefined) exp.streams.push((stream = { labels: [...labels].sort(compareByName), key, entries: [] }));
  stream.entries.push({ tNs, line, metadata: metadata ?? [], parsed: parsed ?? [] });
}

/** One expectation line (parser.go's expectationsParser.parse, plus the newer directives). */
function parseExpectationLine(exp: Expectation, line: string): void {
  if (line.startsWith('expect fail')) {
    const body = line.slice('expect fail'.length).trim();
    if (body === '') exp.fail = { kind: 'any' };
    else if (body.startsWith('msg:') || body.startsWith('regex:')) {
      const kind = body.startsWith('msg:') ? 'msg' : 'regex';
      const text = body.slice(kind.length + 1).trim();
      if (text === '') throw new Error(`\`expect fail ${kind}:\` requires a ${kind === 'msg' ? 'message substring' : 'regex pattern'}`);
      exp.fail = { kind, text };
    } else throw new Error(`unsupported \`expect fail\` qualifier ${JSON.stringify(body)} (use \`msg:\` or \`regex:\`)`);
  } else if (line === 'expect empty') exp.empty = true;
  else if (line === 'expect ordered') exp.ordered = true;
  else if (line.startsWith('expect values-toleration')) {
    const m = RE_TOLERATION.exec(line);
    if (m === null) throw new Error(`invalid values-toleration directive ${JSON.stringify(line)}`);
    const eps = parseScriptFloat(m[1]!);
    if (!(eps > 0) || !Number.isFinite(eps)) throw new Error(`values-toleration epsilon must be positive and finite: ${m[1]}`);
    if (!STACK_NAMES.includes(m[2]!)) throw new Error(`unknown stack ${JSON.stringify(m[2])}`);
    exp.tolerations.set(m[2]!, eps);
  } else if (line.startsWith('expect ')) throw new Error(`unsupported expect annotation ${JSON.stringify(line)}`);
  else if (line.startsWith('skip ')) {
    const m = RE_SKIP.exec(line);
    if (m === null) throw new Error(`invalid skip directive ${JSON.stringify(line)} (use: skip <what> on "<stack>")`);
    if (m[1] !== 'values-comparison') throw new Error(`unsupported skip target ${JSON.stringify(m[1])}`);
    if (!STACK_NAMES.includes(m[2]!)) throw new Error(`unknown stack ${JSON.stringify(m[2])} in skip directive`);
    exp.skipValuesOn.push(m[2]!);
  } else if (line.startsWith('{') && isLogLine(line)) parseExpectedLogLine(exp, line);
  else if (line.startsWith('{')) {
    const [labelText, rest] = splitLabels(line);
    const labels = parseLabelSet(labelText, false);
    const samples = parseSamples(rest.trim().split(/\s+/).filter((t) => t !== ''));
    if (samples.length === 0) throw new Error(`series line ${JSON.stringify(line)} has no sample values`);
    exp.series.push({ labels: [...labels].sort(compareByName), key: labelsText(labels), samples });
  } else {
    try {
      exp.scalar = parseScriptFloat(line);
    } catch (e) {
      throw new Error(`invalid scalar expectation ${JSON.stringify(line)}: ${(e as Error).message}`);
    }
  }
}

/** parser.go's expectations.validate, plus the per-mode shape checks runner.go makes at compare time. */
function validate(c: EvalHeader | undefined, e: Expectation): string | undefined {
  const kinds = [e.fail !== undefined, e.empty, e.scalar !== undefined, e.series.length > 0, e.streams.length > 0].filter(Boolean).length;
  if (kinds === 0) return 'eval has no expectation: provide series, log streams, a scalar, `expect empty`, or `expect fail`';
  if (kinds > 1) return 'conflicting expectations: use exactly one of series, log streams, a scalar, `expect empty`, or `expect fail`';
  if (e.ordered && e.series.length === 0) return '`expect ordered` requires series';
  if (e.ordered && c?.mode !== 'instant') return '`expect ordered` is only supported for instant queries';
  const seen = new Set<string>();
  for (const s of e.series) {
    if (seen.has(s.key)) return `duplicate expected series ${s.key}`;
    seen.add(s.key);
    if (c?.mode === 'instant' && (s.samples.length !== 1 || !s.samples[0]!.present)) return `instant result expects one value (no gap) per series: ${s.key}`;
    if (c?.mode === 'range') {
      const steps = Math.floor((c.endNs - c.startNs) / c.stepNs) + 1;
      if (s.samples.length !== steps) return `series ${s.key} has ${s.samples.length} points, expected ${steps} steps`;
    }
  }
  return undefined;
}

type EvalHeader =
  | { readonly mode: 'instant'; readonly query: string; readonly tNs: number }
  | { readonly mode: 'range'; readonly query: string; readonly startNs: number; readonly endNs: number; readonly stepNs: number }
  | { readonly mode: 'select'; readonly query: string; readonly startNs: number; readonly endNs: number; readonly direction: 'forward' | 'backward'; readonly limit: number | undefined };

/** The `eval …` line (parser.go's parseEval, plus `select`). Throws on a malformed one. */
export function parseEvalHeader(line: string): EvalHeader {
  const rest = line.replace(/^eval/, '').trim();
  if (rest.startsWith('instant')) {
    const m = RE_INSTANT.exec(rest.slice('instant'.length).trim());
    if (m === null) throw new Error(`malformed 'eval instant': ${JSON.stringify(line)}`);
    return { mode: 'instant', tNs: parseDurationNs(m[1]!), query: m[2]!.trim() };
  }
  if (rest.startsWith('range')) {
    const m = RE_RANGE.exec(rest.slice('range'.length).trim());
    if (m === null) throw new Error(`malformed 'eval range': ${JSON.stringify(line)}`);
    const [startNs, endNs, stepNs] = [parseDurationNs(m[1]!), parseDurationNs(m[2]!), parseDurationNs(m[3]!)];
    if (stepNs <= 0) throw new Error(`range step must be positive, got ${JSON.stringify(m[3])}`);
    if (endNs < startNs) throw new Error(`range end ${JSON.stringify(m[2])} is before start ${JSON.stringify(m[1])}`);
    return { mode: 'range', startNs, endNs, stepNs, query: m[4]!.trim() };
  }
  if (rest.startsWith('select')) {
    const m = RE_SELECT.exec(rest.slice('select'.length).trim());
    if (m === null) throw new Error(`malformed 'eval select': ${JSON.stringify(line)}`);
    const [startNs, endNs] = [parseDurationNs(m[1]!), parseDurationNs(m[2]!)];
    if (endNs < startNs) throw new Error(`select end ${JSON.stringify(m[2])} is before start ${JSON.stringify(m[1])}`);
    const direction = m[3] === 'backward' ? 'backward' : 'forward';
    return { mode: 'select', startNs, endNs, direction, limit: m[4] === undefined ? undefined : Number(m[4]), query: m[5]!.trim() };
  }
  throw new Error(`expected 'instant', 'range' or 'select' after eval: ${JSON.stringify(line)}`);
}

/** Feeds each indented, non-blank, non-comment line after a command to `fn` (runner.go's consumeBlock). */
function consumeBlock(lines: readonly string[], i: number, fn: (content: string, lineNo: number) => void): number {
  while (i < lines.length) {
    const raw = lines[i]!;
    if (raw.trim() === '') break;
    if (raw.trim().startsWith('#')) {
      i++;
      continue;
    }
    if (raw[0] !== ' ' && raw[0] !== '\t') break;
    const content = stripComment(raw).trim();
    if (content !== '') fn(content, i + 1);
    i++;
  }
  return i;
}

/**
 * Parses a script. Throws `LogqlScriptError` on a malformed load line, an empty load block
 * or an unknown command (runner.go stops the file there too); a malformed eval becomes a
 * case with `invalid` set.
 */
export function parseLogqlScript(text: string, file: string): Script {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let section: Section = { index: 0, line: 1, commands: [] };
  const sections: Section[] = [section];
  const cases: EvalCase[] = [];
  let i = 0;
  while (i < lines.length) {
    const trimmed = stripComment(lines[i]!).trim();
    const lineNo = i + 1;
    if (trimmed === '') {
      i++;
      continue;
    }
    const cmd = trimmed.split(/\s+/)[0]!;
    if (cmd === 'clear') {
      sections.push((section = { index: sections.length, line: lineNo, commands: [] }));
      i++;
    } else if (cmd === 'flush') {
      section.commands.push({ kind: 'flush', line: lineNo });
      i++;
    } else if (cmd === 'load') {
      const streams: LoadLine[] = [];
      i = consumeBlock(lines, i + 1, (content, n) => {
        try {
          streams.push(parseLoadLine(content, n));
        } catch (e) {
          throw new LogqlScriptError(file, n, `invalid load line ${JSON.stringify(content)}: ${(e as Error).message}`);
        }
      });
      if (streams.length === 0) throw new LogqlScriptError(file, lineNo, 'load block has no data lines');
      section.commands.push({ kind: 'load', line: lineNo, streams });
    } else if (cmd === 'eval') {
      const expect = newExpectation();
      let header: EvalHeader | undefined;
      let invalid: string | undefined;
      try {
        header = parseEvalHeader(trimmed);
      } catch (e) {
        invalid = (e as Error).message;
      }
      i = consumeBlock(lines, i + 1, (content) => {
        if (invalid !== undefined) return;
        try {
          parseExpectationLine(expect, content);
        } catch (e) {
          invalid = `invalid expectation ${JSON.stringify(content)}: ${(e as Error).message}`;
        }
      });
      invalid ??= validate(header, expect);
      const base = { file, line: lineNo, expect, invalid };
      const ev: EvalCase = header === undefined ? { ...base, mode: 'malformed', query: trimmed } : { ...base, ...header };
      section.commands.push({ kind: 'eval', line: lineNo, eval: ev });
      cases.push(ev);
    } else throw new LogqlScriptError(file, lineNo, `unexpected command ${JSON.stringify(cmd)}`);
  }
  return { file, sections: sections.filter((s) => s.commands.length > 0), cases };
}
