/**
 * `| logfmt [--strict] [--keep-empty]` and `| logfmt a="b", c` (Loki's `LogfmtParser` and
 * `LogfmtExpressionParser`).
 *
 * - Non-strict (the default) skips a bad pair and goes on; no error is reported.
 * - `--strict` stops at the first bad pair and reports `LogfmtParserErr` with the
 *   decoder's text; the pairs before it are kept.
 * - An empty value (`k=` or a bare `k`) is dropped unless `--keep-empty`.
 * - A value with U+FFFD gets spaces for it (in the expression form it becomes "").
 */
import { LogfmtDecoder } from './logfmt-decoder.js';
import { hasRuneError, isValidLabelName, replaceRuneErrors, sanitizeLabelKey } from './sanitize.js';
import { LOGFMT_PARSER_ERR, type FieldSink, type LineParser, type ParseFailure, type ParseOptions } from './types.js';
import type { ExtractionParam } from './json-expression.js';

/** The `--strict` / `--keep-empty` flags. */
export interface LogfmtOptions {
  readonly strict: boolean;
  readonly keepEmpty: boolean;
}

/** Flags off: Loki's default `| logfmt`. */
export function defaultLogfmtOptions(): LogfmtOptions {
  return { strict: false, keepEmpty: false };
}

/**
 * Sanitised keys, memoised per parser as Loki's `internedStringSet` does (log lines repeat
 * their keys). Bounded so a line with endless distinct keys cannot grow it without limit;
 * 1024 covers the key vocabulary of ordinary logs.
 */
class KeyCache {
  private readonly map = new Map<string, string>();
  get(raw: string): string {
    let k = this.map.get(raw);
    if (k === undefined) {
      k = sanitizeLabelKey(raw, true);
      if (this.map.size < 1024) this.map.set(raw, k);
    }
    return k;
  }
}

/** Compiles `| logfmt` without parameters. Cannot fail. */
export function logfmtParser(options: LogfmtOptions = defaultLogfmtOptions()): LineParser {
  const { strict, keepEmpty } = options;
  const dec = new LogfmtDecoder();
  const keys = new KeyCache();
  return {
    parse(line: string, sink: FieldSink, opts?: ParseOptions): ParseFailure | undefined {
      const wanted = opts?.wanted;
      dec.reset(line);
      while (!dec.eol()) {
        if (!dec.scan()) {
          if (strict) break;
          continue;
        }
        const key = keys.get(dec.key!);
        if (key.length === 0) continue;
        if (wanted !== undefined && !wanted(key)) continue;
        const value = replaceRuneErrors(dec.value);
        if (!keepEmpty && value.length === 0) continue;
        sink(key, value);
      }
      if (strict && dec.error !== undefined) return { type: LOGFMT_PARSER_ERR, details: dec.error };
      return undefined;
    },
  };
}

/** goyacc's token names of the logfmt expression grammar, in token order. */
type ExprTok = { t: '$end' } | { t: 'STRING'; v: string } | { t: 'FIELD'; v: string };

/**
 * Loki's logfmt expression grammar (`logfmt/logfmtexpr.y`): a FIELD or a quoted STRING,
 * then more STRINGs. Returns the elements, or throws with Loki's text.
 */
export function parseLogfmtExpression(text: string): string[] {
  const cps = Array.from(text);
  let i = 0;
  let lexErr: string | undefined;
  const isStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
  const isIdent = (c: string): boolean => isStart(c) || (c >= '0' && c <= '9');
  const read = (): string => {
    const c = cps[i++];
    return c === undefined || c === '\0' ? '' : c;
  };
  const next = (): ExprTok => {
    for (;;) {
      const r = read();
      if (r === '') return { t: '$end' };
      if (r === ' ' || r === '\t' || r === '\n') continue;
      if (isStart(r)) {
        let v = r;
        while (i < cps.length && isIdent(cps[i]!)) v += cps[i++]!;
        return { t: 'FIELD', v };
      }
      if (r === '"') {
        let v = '';
        for (;;) {
          const c = read();
          if (c === '' || c === '"' || c === ']') break;
          v += c;
        }
        return { t: 'STRING', v };
      }
      lexErr = `unexpected char ${r}`;
      return { t: '$end' };
    }
  };
  const out: string[] = [];
  let tok = next();
  if (tok.t === '$end') throw new Error('syntax error: unexpected $end, expecting STRING or FIELD');
  out.push(tok.v);
  for (tok = next(); tok.t !== '$end'; tok = next()) {
    if (tok.t !== 'STRING') throw new Error(`syntax error: unexpected ${tok.t}, expecting STRING`);
    out.push(tok.v);
  }
  if (lexErr !== undefined) throw new Error(lexErr);
  return out;
}

/**
 * The key a logfmt expression reads: Loki formats the path with `fmt.Sprintf("%v", path...)`,
 * so a multi-element path gets Go's `%!(EXTRA …)` suffix (and then never matches).
 */
function expressionKey(path: readonly string[]): string {
  if (path.length <= 1) return path[0] ?? '';
  return `${path[0]}%!(EXTRA ${path.slice(1).map((p) => `string=${p}`).join(', ')})`;
}

/**
 * Compiles `| logfmt a="b", c`. Throws Loki's texts: `no logfmt expression provided`,
 * `cannot parse expression [x.y]: unexpected char .`, `invalid extracted label name 'a-b'`.
 * `--keep-empty` has no effect on this form (Loki ignores it there too): empty values are
 * kept.
 */
export function logfmtExpressionParser(params: readonly ExtractionParam[], options: LogfmtOptions = defaultLogfmtOptions()): LineParser {
  if (params.length === 0) throw new Error('no logfmt expression provided');
  // Loki keeps the expressions in a map keyed by label, so a repeated label keeps its last path.
  const byLabel = new Map<string, string>();
  for (const p of params) {
    let path: string[];
    try {
      path = parseLogfmtExpression(p.expression);
    } catch (e) {
      throw new Error(`cannot parse expression [${p.expression}]: ${(e as Error).message}`);
    }
    if (!isValidLabelName(p.label)) throw new Error(`invalid extracted label name '${p.label}'`);
    byLabel.set(p.label, expressionKey(path));
  }
  const labels = [...byLabel.keys()];
  const origToLabel = new Map<string, string>();
  for (const [label, orig] of byLabel) if (!origToLabel.has(orig)) origToLabel.set(orig, label);
  const { strict } = options;
  const dec = new LogfmtDecoder();
  const keys = new KeyCache();
  return {
    parse(line: string, sink: FieldSink, opts?: ParseOptions): ParseFailure | undefined {
      const found = new Set<string>();
      dec.reset(line);
      while (!dec.eol()) {
        if (!dec.scan()) {
          if (strict) break;
          continue;
        }
        let key = keys.get(dec.key!);
        if (key.length === 0) continue;
        // A key naming a source field is renamed to its label; a key that equals a label
        // itself is taken as is (Loki checks the label map after the rename).
        key = origToLabel.get(key) ?? key;
        if (!byLabel.has(key)) continue;
        const raw = dec.value;
        found.add(key);
        sink(key, hasRuneError(raw) ? '' : raw);
      }
      // Loki presets every label to "" before scanning; the pipeline's first-value-wins
      // rule makes "fill the missing ones afterwards" equivalent.
      for (const label of labels) {
        if (found.has(label)) continue;
        if (opts?.absent !== undefined) opts.absent(label);
        else sink(label, '');
      }
      if (strict && dec.error !== undefined) return { type: LOGFMT_PARSER_ERR, details: dec.error };
      return undefined;
    },
  };
}
