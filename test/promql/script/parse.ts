/**
 * Parser for Prometheus's PromQL test scripts in the v2.42 format (`promql/test.go` and
 * the series-description grammar of `promql/parser`, `ParseSeriesDesc`):
 *
 *     load <interval>                      then one series description per line
 *       metric{l="v"} 1 2 _ stale 0+10x5
 *     clear                                wipes the store: starts a new section
 *     eval[_fail|_ordered] instant at <duration> <expr>
 *       metric{l="v"} 3                    expected elements (one value each), or
 *       3                                  an expected scalar
 *
 * Lines are trimmed, `#` lines count as blank, and a blank line ends a block. Queries are
 * not parsed here (`test.go` does; the caller's evaluator will), so a query that does not
 * parse surfaces as an evaluation error instead of a file error.
 *
 * Test-support code: engine-agnostic, and independent of `src/promql/parser`.
 */
import { compareByName, labelsKey, METRIC_NAME, type Label, type Labels } from '../../../src/model/labels.js';

/** A malformed test script; `line` is 1-based. */
export class ScriptParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptParseError';
  }
}

/**
 * Prometheus's stale marker, `value.StaleNaN`: bits 0x7ff0000000000002, a signalling NaN
 * no arithmetic produces. Built from its two 32-bit words (a NaN literal would be the
 * quiet 0x7ff8000000000000).
 */
export const STALE_NAN: number = (() => {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  // Word order follows the platform's byte order.
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  u[littleEndian ? 1 : 0] = 0x7ff00000;
  u[littleEndian ? 0 : 1] = 0x00000002;
  return f[0]!;
})();

/** One element of a value sequence: a value, a stale marker, or a gap (`_`). */
export type SequenceValue =
  | { readonly kind: 'value'; readonly v: number }
  | { readonly kind: 'stale' }
  | { readonly kind: 'omitted' };

/** A parsed series description: its labels (sorted, no empty values) and values. */
export interface SeriesDesc {
  readonly labels: Labels;
  readonly values: readonly SequenceValue[];
}

/** A sample to load. `stale` marks a stale marker; `v` is then `STALE_NAN`. */
export interface ScriptSample {
  readonly t: number;
  readonly v: number;
  readonly stale: boolean;
}

export interface LoadedSeries {
  readonly labels: Labels;
  /** Ascending in time. */
  readonly samples: readonly ScriptSample[];
  /** The line of the description that won (a later line for the same series replaces). */
  readonly line: number;
}

export interface LoadCommand {
  readonly kind: 'load';
  readonly line: number;
  readonly intervalMs: number;
  /** In the order their descriptions first appeared. */
  readonly series: readonly LoadedSeries[];
}

/** One expected vector element. `pos` is its 1-based position, checked by `eval_ordered`. */
export interface ExpectedSample {
  readonly labels: Labels;
  /** `_` reads as 0 and `stale` as NaN, as `test.go` reads them. */
  readonly v: number;
  readonly pos: number;
  readonly line: number;
}

export type Expectation =
  | { readonly kind: 'scalar'; readonly v: number }
  | { readonly kind: 'vector'; readonly samples: readonly ExpectedSample[] };

export interface EvalCommand {
  readonly kind: 'eval';
  /** 1-based line of the `eval` line, as `test.go` reports it. */
  readonly line: number;
  readonly expr: string;
  /** Evaluation time: Unix time 0 plus the `at` duration. */
  readonly timeMs: number;
  /** `eval_fail`: the evaluation must fail; expectations are ignored. */
  readonly fail: boolean;
  /** `eval_ordered`: elements must come in the expected order. */
  readonly ordered: boolean;
  readonly expect: Expectation;
}

export type ScriptCommand = LoadCommand | EvalCommand;

/** The commands between two `clear`s (or the file's start and end): one store each. */
export interface Section {
  /** 0-based. */
  readonly index: number;
  /** Line of the `clear` that opened it (1 for the first section). */
  readonly line: number;
  readonly commands: readonly ScriptCommand[];
}

export interface Script {
  readonly sections: readonly Section[];
}

/** Every eval of a script, in file order. */
export function evalCommands(script: Script): EvalCommand[] {
  return script.sections.flatMap((s) => s.commands.filter((c): c is EvalCommand => c.kind === 'eval'));
}

// Go's `\s` is [\t\n\f\r ], narrower than JavaScript's.
const patLoad = /^load[\t\n\f\r ]+(.+?)$/;
const patEvalInstant = /^eval(?:_(fail|ordered))?[\t\n\f\r ]+instant[\t\n\f\r ]+(?:at[\t\n\f\r ]+(.+?))?[\t\n\f\r ]+(.+)$/;

/** Parses a whole test script. Throws `ScriptParseError` where `test.go` would refuse it. */
export function parseScript(text: string): Script {
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const sections: { index: number; line: number; commands: ScriptCommand[] }[] = [{ index: 0, line: 1, commands: [] }];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
    if (word === 'clear') {
      sections.push({ index: sections.length, line: i + 1, commands: [] });
    } else if (word === 'load') {
      const { cmd, last } = parseLoad(lines, i);
      sections[sections.length - 1]!.commands.push(cmd);
      i = last;
    } else if (word.startsWith('eval')) {
      const { cmd, last } = parseEval(lines, i);
      sections[sections.length - 1]!.commands.push(cmd);
      i = last;
    } else {
      throw new ScriptParseError(i + 1, `invalid command ${JSON.stringify(l)}`);
    }
  }
  return { sections };
}

function parseLoad(lines: readonly string[], i: number): { cmd: LoadCommand; last: number } {
  const loadLine = i + 1;
  const m = patLoad.exec(lines[i]!);
  if (m === null) throw new ScriptParseError(loadLine, 'invalid load command. (load <step:duration>)');
  let intervalMs: number;
  try {
    intervalMs = parseDuration(m[1]!);
  } catch (e) {
    throw new ScriptParseError(loadLine, `invalid step definition ${JSON.stringify(m[1])}: ${(e as Error).message}`);
  }
  // Keyed by labels: a later line for the same series replaces the earlier one.
  const byKey = new Map<string, LoadedSeries>();
  while (i + 1 < lines.length && lines[i + 1] !== '') {
    i++;
    const desc = seriesDescAt(lines[i]!, i);
    const samples: ScriptSample[] = [];
    let t = 0;
    for (const sv of desc.values) {
      if (sv.kind === 'value') samples.push({ t, v: sv.v, stale: false });
      else if (sv.kind === 'stale') samples.push({ t, v: STALE_NAN, stale: true });
      t += intervalMs;
    }
    byKey.set(labelsKey(desc.labels), { labels: desc.labels, samples, line: i + 1 });
  }
  return { cmd: { kind: 'load', line: loadLine, intervalMs, series: [...byKey.values()] }, last: i };
}

function parseEval(lines: readonly string[], i: number): { cmd: EvalCommand; last: number } {
  const evalLine = i;
  const m = patEvalInstant.exec(lines[i]!);
  if (m === null) {
    throw new ScriptParseError(i + 1, 'invalid evaluation command. (eval[_fail|_ordered] instant [at <offset:duration>] <query>');
  }
  const [, mod, at = '', expr = ''] = m;
  let timeMs: number;
  try {
    timeMs = parseDuration(at);
  } catch (e) {
    throw new ScriptParseError(i + 1, `invalid step definition ${JSON.stringify(at)}: ${(e as Error).message}`);
  }
  let expect: Expectation = { kind: 'vector', samples: [] };
  const samples: ExpectedSample[] = [];
  for (let pos = 1; i + 1 < lines.length && lines[i + 1] !== ''; pos++) {
    i++;
    const def = lines[i]!;
    const scalar = tryParseNumber(def);
    if (scalar !== undefined) {
      // As test.go: a number ends the block; any further line is read as a command.
      expect = { kind: 'scalar', v: scalar };
      break;
    }
    const desc = seriesDescAt(def, i);
    if (desc.values.length > 1) throw new ScriptParseError(i + 1, 'expecting multiple values in instant evaluation not allowed');
    const sv = desc.values[0];
    // test.go would index past the end here and panic; refuse it cleanly instead.
    if (sv === undefined) throw new ScriptParseError(i + 1, 'expected a value for the series');
    samples.push({ labels: desc.labels, v: sv.kind === 'value' ? sv.v : sv.kind === 'stale' ? STALE_NAN : 0, pos, line: i + 1 });
  }
  if (expect.kind === 'vector') expect = { kind: 'vector', samples };
  return {
    cmd: { kind: 'eval', line: evalLine + 1, expr, timeMs, fail: mod === 'fail', ordered: mod === 'ordered', expect },
    last: i,
  };
}

function seriesDescAt(line: string, i: number): SeriesDesc {
  try {
    return parseSeriesDesc(line);
  } catch (e) {
    if (e instanceof SeriesDescError) throw new ScriptParseError(i + 1, e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// Durations and numbers

/** `model.ParseDuration` (prometheus/common): units y w d h m s ms, in that order. */
const durationRE = /^(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$/;
/** Milliseconds per unit, in the order of `durationRE`'s groups (a year is 365 days). */
const DURATION_UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Parses a Prometheus duration into milliseconds; throws on anything else. */
export function parseDuration(s: string): number {
  if (s === '0') return 0; // the one duration allowed without a unit
  if (s === '') throw new Error('empty duration string');
  const m = durationRE.exec(s);
  if (m === null) throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  let ms = 0;
  for (let k = 0; k < DURATION_UNIT_MS.length; k++) if (m[k + 1] !== undefined) ms += Number(m[k + 1]) * DURATION_UNIT_MS[k]!;
  return ms;
}

/** `test.go`'s `parseNumber`: Go's `ParseInt(s, 0, 64)`, else `ParseFloat(s, 64)`. Throws. */
export function parseNumber(s: string): number {
  const n = tryParseNumber(s);
  if (n === undefined) throw new Error(`error parsing number: ${JSON.stringify(s)}`);
  return n;
}

function tryParseNumber(s: string): number | undefined {
  return goParseInt0(s) ?? goParseFloat(s);
}

/** Go's underscore rule: `_` only between digits, or right after a base prefix. */
function underscoresOk(body: string, prefixed: boolean): boolean {
  if (!body.includes('_')) return true;
  if (body.startsWith('_') && !prefixed) return false;
  return !body.endsWith('_') && !body.includes('__');
}

/** `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-0 octal, `_` separators. */
function goParseInt0(s: string): number | undefined {
  let body = s;
  let negative = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  let radix = 10;
  let prefixed = false;
  if (/^0[xX]/.test(body)) [radix, body, prefixed] = [16, body.slice(2), true];
  else if (/^0[oO]/.test(body)) [radix, body, prefixed] = [8, body.slice(2), true];
  else if (/^0[bB]/.test(body)) [radix, body, prefixed] = [2, body.slice(2), true];
  else if (/^0./.test(body)) [radix, body] = [8, body.slice(1)];
  if (!underscoresOk(body, prefixed || radix === 8)) return undefined;
  const digits = body.replaceAll('_', '');
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return undefined;
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
  const n = BigInt(prefix + digits) * (negative ? -1n : 1n);
  // int64 range; Go refuses anything outside it (then ParseFloat may still take it).
  if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return undefined;
  return Number(n);
}

/** `strconv.ParseFloat(s, 64)`: decimal, hex (`0x1p-2`), `inf`/`infinity`/`nan`, `_`. */
function goParseFloat(s: string): number | undefined {
  let body = s;
  let sign = 1;
  if (body.startsWith('+') || body.startsWith('-')) {
    sign = body[0] === '-' ? -1 : 1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan') return s === body ? NaN : undefined; // Go takes no sign on NaN
  const dec = /^(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
  if (dec.test(body) && underscoresOk(body, false) && !/_[.eE]|[.eE]_/.test(body)) {
    const v = Number(body.replaceAll('_', ''));
    return Number.isNaN(v) ? undefined : sign * v;
  }
  const hex = /^0[xX]([0-9a-fA-F_]*)\.?([0-9a-fA-F_]*)[pP]([+-]?[0-9_]+)$/.exec(body);
  if (hex !== null && (hex[1] !== '' || hex[2] !== '')) {
    const int = hex[1]!.replaceAll('_', '');
    const frac = hex[2]!.replaceAll('_', '');
    const mantissa = Number.parseInt(int === '' ? '0' : int, 16) + (frac === '' ? 0 : Number.parseInt(frac, 16) / 16 ** frac.length);
    return sign * mantissa * 2 ** Number(hex[3]!.replaceAll('_', ''));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Series descriptions: `metric{l="v", …} <values>`

/** A malformed series description (the parser's error, before it gets a line). */
class SeriesDescError extends Error {}

/**
 * Keywords the lexer turns into tokens that the grammar does not take as a metric name
 * (`metric_identifier` lists the others: `sum`, `by`, `offset`, …).
 */
const NOT_METRIC_NAMES = new Set(['atan2', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'inf', 'nan']);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlphaNumeric = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * Parses one series description as `parser.ParseSeriesDesc` does: an optional metric name
 * (it may contain `:`), an optional label set with Go-quoted values, then whitespace and
 * the values. Empty label values are dropped (storage drops them too). Throws on a
 * malformed line.
 */
export function parseSeriesDesc(input: string): SeriesDesc {
  let i = 0;
  const labels = new Map<string, string>();
  let name: string | undefined;
  if (isAlpha(input[i]) || input[i] === ':') {
    const start = i;
    while (isAlphaNumeric(input[i]) || input[i] === ':') i++;
    name = input.slice(start, i);
    if (NOT_METRIC_NAMES.has(name.toLowerCase())) throw new SeriesDescError(`unexpected ${JSON.stringify(name)} as a metric name`);
  }
  if (input[i] === '{') i = parseLabelSet(input, i + 1, labels);
  else if (name === undefined) throw new SeriesDescError(`unexpected character ${JSON.stringify(input[i] ?? '')}: expected a metric name or label set`);
  if (name !== undefined) labels.set(METRIC_NAME, name);
  if (i < input.length && !isSpace(input[i])) throw new SeriesDescError(`unexpected character after the metric: ${JSON.stringify(input.slice(i))}`);
  if (i >= input.length) throw new SeriesDescError('unexpected end of input: expected series values');
  const values = parseValueSequence(input.slice(i));
  const ls: Label[] = [];
  for (const [n, value] of labels) if (value !== '') ls.push({ name: n, value });
  ls.sort(compareByName);
  return { labels: ls, values };
}

/** Reads `l="v", …}` starting after the `{`; returns the index after the `}`. */
function parseLabelSet(s: string, i: number, out: Map<string, string>): number {
  const skipSpace = () => {
    while (isSpace(s[i])) i++;
  };
  for (;;) {
    skipSpace();
    if (s[i] === '}') return i + 1;
    if (!isAlpha(s[i])) throw new SeriesDescError(`unexpected ${describe(s, i)} in label set, expected identifier or "}"`);
    const start = i;
    while (isAlphaNumeric(s[i])) i++;
    const labelName = s.slice(start, i);
    skipSpace();
    if (s[i] !== '=' || s[i + 1] === '~') throw new SeriesDescError(`unexpected ${describe(s, i)} in label set, expected "="`);
    i++;
    skipSpace();
    const { value, end } = readString(s, i);
    if (out.has(labelName)) throw new SeriesDescError(`duplicate label name ${JSON.stringify(labelName)} in label set`);
    out.set(labelName, value);
    i = end;
    skipSpace();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '}') return i + 1;
    throw new SeriesDescError(`unexpected ${describe(s, i)} in label set, expected "," or "}"`);
  }
}

function describe(s: string, i: number): string {
  return i >= s.length ? 'end of input' : JSON.stringify(s[i]);
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

/**
 * Reads a Go-quoted string (`"…"`, `'…'` or a raw `` `…` ``) at `s[i]`, as the PromQL
 * lexer checks it and `strutil.Unquote` decodes it. `\x` and octal escapes are bytes, so
 * the text is assembled as UTF-8 and decoded at the end (`\xc3\xa9` is `é`).
 */
function readString(s: string, i: number): { value: string; end: number } {
  const quote = s[i];
  if (quote === '`') {
    const close = s.indexOf('`', i + 1);
    if (close < 0) throw new SeriesDescError('unterminated raw string');
    return { value: s.slice(i + 1, close), end: close + 1 };
  }
  if (quote !== '"' && quote !== "'") throw new SeriesDescError(`unexpected ${describe(s, i)} in label set, expected string`);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let j = i + 1;
  for (;;) {
    const c = s[j];
    if (c === undefined || c === '\n') throw new SeriesDescError('unterminated quoted string');
    if (c === quote) break;
    if (c !== '\\') {
      const cp = s.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      for (const b of encoder.encode(ch)) bytes.push(b);
      j += ch.length;
      continue;
    }
    const e = s[j + 1];
    if (e === undefined) throw new SeriesDescError('unterminated quoted string');
    if (e === quote) {
      bytes.push(e.charCodeAt(0));
      j += 2;
    } else if (e in SIMPLE_ESCAPES) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      j += 2;
    } else if (e >= '0' && e <= '7') {
      const digits = s.slice(j + 1, j + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new SeriesDescError(`invalid octal escape \\${digits}`);
      const b = Number.parseInt(digits, 8);
      if (b > 255) throw new SeriesDescError(`octal escape value > 255: \\${digits}`);
      bytes.push(b);
      j += 4;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = s.slice(j + 2, j + 2 + n);
      if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) throw new SeriesDescError(`invalid escape \\${e}${digits}`);
      const x = Number.parseInt(digits, 16);
      if (e === 'x') bytes.push(x);
      else if (x > 0x10ffff || (x >= 0xd800 && x < 0xe000)) throw new SeriesDescError('escape sequence is an invalid Unicode code point');
      else for (const b of encoder.encode(String.fromCodePoint(x))) bytes.push(b);
      j += 2 + n;
    } else {
      throw new SeriesDescError(`unknown escape sequence \\${e}`);
    }
  }
  return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: j + 1 };
}

type Token =
  | { readonly kind: 'space' | 'add' | 'sub' | 'times' | 'blank' }
  | { readonly kind: 'number' | 'ident'; readonly text: string };

/** The lexer's value-sequence mode: spaces, `+ - x _`, numbers and words. */
function lexValues(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isSpace(c)) {
      while (isSpace(s[i])) i++;
      out.push({ kind: 'space' });
    } else if (c === '+') {
      out.push({ kind: 'add' });
      i++;
    } else if (c === '-') {
      out.push({ kind: 'sub' });
      i++;
    } else if (c === 'x') {
      out.push({ kind: 'times' });
      i++;
    } else if (c === '_') {
      out.push({ kind: 'blank' });
      i++;
    } else if (isDigit(c) || (c === '.' && isDigit(s[i + 1]))) {
      // No hex here: `0x5` would be ambiguous with "0 repeated".
      const start = i;
      while (isDigit(s[i])) i++;
      if (s[i] === '.') {
        i++;
        while (isDigit(s[i])) i++;
      }
      if (s[i] === 'e' || s[i] === 'E') {
        i++;
        if (s[i] === '+' || s[i] === '-') i++;
        while (isDigit(s[i])) i++;
      }
      if (s[i] !== 'x' && isAlphaNumeric(s[i])) throw new SeriesDescError(`bad number syntax: ${JSON.stringify(s.slice(start, i + 1))}`);
      out.push({ kind: 'number', text: s.slice(start, i) });
    } else if (isAlpha(c)) {
      const start = i;
      while (isAlphaNumeric(s[i]) || s[i] === ':') i++;
      const word = s.slice(start, i);
      const lower = word.toLowerCase();
      // `inf` and `nan` are number keywords, in any case.
      out.push(lower === 'inf' || lower === 'nan' ? { kind: 'number', text: word } : { kind: 'ident', text: word });
    } else {
      throw new SeriesDescError(`unexpected character in series sequence: ${JSON.stringify(c)}`);
    }
  }
  return out;
}

/**
 * The grammar's `series_values`: items separated by spaces, each one of `_`, `_xN` (N
 * gaps), `v`, `vxN` (N+1 copies), `v+dxN` / `v-dxN` (N+1 values stepping by d), where v
 * is a number, a signed number or `stale`.
 */
function parseValueSequence(s: string): SequenceValue[] {
  const tokens = lexValues(s);
  const out: SequenceValue[] = [];
  let k = 0;
  const peek = () => tokens[k];
  const number = (what: string): number => {
    const t = tokens[k];
    if (t === undefined || t.kind !== 'number') throw new SeriesDescError(`unexpected ${tokenText(t)} in series values, expected ${what}`);
    k++;
    const n = tryParseNumber(t.text);
    if (n === undefined) throw new SeriesDescError(`error parsing number: ${JSON.stringify(t.text)}`);
    return n;
  };
  const signed = (): number => {
    const t = tokens[k]!;
    k++;
    const n = number('number');
    return t.kind === 'sub' ? -n : n;
  };
  const count = (): number => {
    const t = tokens[k];
    if (t === undefined || t.kind !== 'number') throw new SeriesDescError(`unexpected ${tokenText(t)} in series values, expected repetition count`);
    k++;
    if (!/^[0-9]+$/.test(t.text)) throw new SeriesDescError(`invalid repetition in series values: ${JSON.stringify(t.text)}`);
    return Number(t.text);
  };
  while (k < tokens.length) {
    if (peek()!.kind !== 'space') throw new SeriesDescError(`unexpected ${tokenText(peek())} in series values, expected space`);
    k++;
    const t = peek();
    if (t === undefined || t.kind === 'space') continue; // trailing space
    if (t.kind === 'blank') {
      k++;
      if (peek()?.kind === 'times') {
        k++;
        const n = count();
        for (let r = 0; r < n; r++) out.push({ kind: 'omitted' });
      } else {
        out.push({ kind: 'omitted' });
      }
      continue;
    }
    let stale = false;
    let v: number;
    if (t.kind === 'ident') {
      if (t.text !== 'stale') throw new SeriesDescError(`unexpected ${JSON.stringify(t.text)} in series values, expected number or "stale"`);
      k++;
      stale = true;
      v = STALE_NAN;
    } else if (t.kind === 'add' || t.kind === 'sub') {
      v = signed();
    } else {
      v = number('number or "stale"');
    }
    const next = peek();
    if (next?.kind === 'times') {
      k++;
      const n = count();
      for (let r = 0; r <= n; r++) out.push(stale ? { kind: 'stale' } : { kind: 'value', v });
    } else if (next?.kind === 'add' || next?.kind === 'sub') {
      const delta = signed();
      if (peek()?.kind !== 'times') throw new SeriesDescError(`unexpected ${tokenText(peek())} in series values, expected "x"`);
      k++;
      const n = count();
      // Stepping from `stale` keeps NaN, as Go's float arithmetic does; mark them values.
      for (let r = 0; r <= n; r++) {
        out.push(stale && r === 0 ? { kind: 'stale' } : { kind: 'value', v });
        v += delta;
      }
    } else {
      out.push(stale ? { kind: 'stale' } : { kind: 'value', v });
    }
  }
  return out;
}

function tokenText(t: Token | undefined): string {
  if (t === undefined) return 'end of input';
  switch (t.kind) {
    case 'number':
    case 'ident':
      return JSON.stringify(t.text);
    case 'space':
      return 'space';
    case 'add':
      return '"+"';
    case 'sub':
      return '"-"';
    case 'times':
      return '"x"';
    case 'blank':
      return '"_"';
  }
}
