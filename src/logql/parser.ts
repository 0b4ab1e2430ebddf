/**
 * The LogQL parser: a hand-written recursive-descent parser (precedence climbing for the
 * binary operators) for the language of Loki's `pkg/logql/syntax/expr.y`, producing the
 * AST of `ast.ts`. It also runs the checks Loki makes while building its tree (range
 * aggregation arguments, `topk` parameters, literal folding, the "at least one matcher
 * that does not match the empty string" rule), with Loki's error texts.
 *
 * Syntax errors read `parse error at line L, col C: syntax error: unexpected X[,
 * expecting Y]` where X is named as goyacc names Loki's tokens (`IDENTIFIER`, `STRING`,
 * `$end`, punctuation and keywords as written). The `expecting` lists only appear where
 * this parser knows the full set Loki's automaton would list; elsewhere the message stops
 * after the unexpected token.
 */
import { notImplemented } from '../util/errors.js';
import { regexpParser } from './pipeline/parsers/regexp.js';
import { arithmetic, compare, isComparison } from './scalar-ops.js';
import { newMatcher, matchesEmpty, type MatchType } from '../model/matcher.js';
import type {
  BinaryExpr,
  BinaryOp,
  CompareOp,
  ExtractionParam,
  Grouping,
  LabelFilter,
  LabelFormat,
  LabelMatcher,
  LabelSelection,
  LineFilterOp,
  LineMatch,
  LogQLExpr,
  LogRange,
  LogSelectorExpr,
  RangeOp,
  SampleExpr,
  Stage,
  Unwrap,
  VectorMatching,
  VectorOp,
} from './ast.js';
import { lex, type Token } from './lexer.js';
import { LogQLParseError, parseErrorAt, parseErrorNoPos } from './parse-error.js';

/** Loki refuses queries of this many bytes or more (`maxInputSize` in parser.go). */
export const MAX_INPUT_BYTES = 5120;

const EMPTY_MATCHERS_ERROR =
  'queries require at least one regexp or equality matcher that does not have an empty-compatible value. ' +
  'For instance, app=~".*" does not meet this requirement, but app=~".+" will';

const RANGE_OPS: ReadonlySet<string> = new Set<RangeOp>([
  'count_over_time',
  'rate',
  'rate_counter',
  'bytes_over_time',
  'bytes_rate',
  'avg_over_time',
  'sum_over_time',
  'min_over_time',
  'max_over_time',
  'stdvar_over_time',
  'stddev_over_time',
  'quantile_over_time',
  'first_over_time',
  'last_over_time',
  'absent_over_time',
]);

const VECTOR_OPS: ReadonlySet<string> = new Set<VectorOp>([
  'sum',
  'avg',
  'min',
  'max',
  'stddev',
  'stdvar',
  'count',
  'topk',
  'bottomk',
  'sort',
  'sort_desc',
]);

/** Range aggregations that take `by`/`without` (Loki's `RangeAggregationExpr.validate`). */
const RANGE_GROUPING_OPS: ReadonlySet<string> = new Set([
  'avg_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'max_over_time',
  'min_over_time',
  'first_over_time',
  'last_over_time',
]);

/** Range aggregations that work on unwrapped values. */
const UNWRAP_OPS: ReadonlySet<string> = new Set([
  'avg_over_time',
  'sum_over_time',
  'max_over_time',
  'min_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'rate',
  'rate_counter',
  'absent_over_time',
  'first_over_time',
  'last_over_time',
]);

/** Range aggregations that work on log lines (no unwrap). */
const LOG_RANGE_OPS: ReadonlySet<string> = new Set(['bytes_over_time', 'bytes_rate', 'count_over_time', 'rate', 'absent_over_time']);

/** Binary operator precedence, lowest first, as in Loki's (and Prometheus's) grammar. */
const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '>=': 3,
  '<': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '^': 6,
};

const SET_OPS: ReadonlySet<string> = new Set(['or', 'and', 'unless']);
const LINE_FILTER_OPS: ReadonlySet<string> = new Set(['|=', '!=', '|~', '!~', '|>', '!>']);
const MATCH_OPS: ReadonlySet<string> = new Set(['=', '!=', '=~', '!~']);

/** goyacc's names for function tokens that Loki does not rename to their text. */
const FUNCTION_TOKEN_NAMES: Readonly<Record<string, string>> = {
  bytes: 'BYTES_CONV',
  duration: 'DURATION_CONV',
  duration_seconds: 'DURATION_SECONDS_CONV',
  label_replace: 'label_replace',
  ip: 'ip',
};

/**
 * Parses a LogQL query (log or metric). Throws a {@link LogQLParseError} (CairnError,
 * kind `bad_data`) with Loki's message on any syntax or validation error.
 */
export function parseLogQL(input: string): LogQLExpr {
  const expr = parseWithoutValidation(input);
  validate(expr);
  return expr;
}

/**
 * Parses a log query (`{a="b"} |= "x" | json`), as the label, series and tail endpoints
 * take. With `validate` (the default) the empty-matcher rule applies; `{}` passes without.
 * A metric query is refused with Loki's `only log selector is supported`.
 */
export function parseLogSelector(input: string, validateMatchers = true): LogSelectorExpr {
  const expr = parseWithoutValidation(input);
  if (expr.kind !== 'log_selector') throw parseErrorNoPos('only log selector is supported');
  if (validateMatchers) validate(expr);
  return expr;
}

function parseWithoutValidation(input: string): LogQLExpr {
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes >= MAX_INPUT_BYTES) throw parseErrorNoPos(`input size too long (${bytes} > ${MAX_INPUT_BYTES})`);
  const p = new Parser(input, lex(input));
  const expr = p.parseExpr(0);
  p.expectEnd();
  return expr;
}

/** Loki's `validateExpr`: every selector needs a matcher that does not match "". */
function validate(expr: LogQLExpr): void {
  switch (expr.kind) {
    case 'log_selector':
      validateMatchers(expr.matchers);
      return;
    case 'range_aggregation':
      validateMatchers(expr.range.selector.matchers);
      return;
    case 'vector_aggregation':
      if ((expr.op === 'sort' || expr.op === 'sort_desc') && expr.grouping !== undefined && expr.grouping.labels.length > 0) {
        throw parseErrorNoPos("sort and sort_desc doesn't allow grouping by ");
      }
      validate(expr.expr);
      return;
    case 'binary':
      validate(expr.lhs);
      validate(expr.rhs);
      return;
    case 'label_replace':
      validate(expr.expr);
      return;
    case 'literal':
    case 'vector':
      return;
  }
}

function validateMatchers(matchers: readonly LabelMatcher[]): void {
  const selective = matchers.some((m) => !matchesEmpty(newMatcher(m.type, m.name, m.value)));
  if (!selective) throw parseErrorNoPos(EMPTY_MATCHERS_ERROR);
}

/**
 * Compiles a regex the way a matcher would, turning Cairn's `invalid_regex` message back
 * into Go's `error parsing regexp: …` text that Loki reports.
 */
function checkRegex(name: string, pattern: string, prefix: string): void {
  try {
    newMatcher('=~', name, pattern);
  } catch (e) {
    const msg = (e as Error).message;
    const marker = `for label ${name}: `;
    const at = msg.indexOf(marker);
    throw parseErrorNoPos(prefix + (at >= 0 ? msg.slice(at + marker.length) : msg));
  }
}

/**
 * Loki's `NewRegexpParser` checks (the expression compiles under Go's rules, has a named
 * capture, names are valid and unique), by building the parser itself.
 */
function checkRegexpParser(pattern: string): void {
  try {
    regexpParser(pattern);
  } catch (e) {
    throw parseErrorNoPos(`invalid regexp parser: ${(e as Error).message}`);
  }
}

/**
 * Loki's pattern checks (`pkg/logql/log/pattern/ast.go`): a named capture is required, two
 * captures may not follow each other, names may not repeat. A capture is `<name>` with a
 * Go identifier inside; everything else is literal text. Like upstream, the adjacency
 * check only looks at pairs starting at even positions of the node list.
 */
function checkPatternParser(pattern: string): void {
  const nodes: { capture?: string }[] = [];
  const re = /<([A-Za-z_][A-Za-z0-9_]*)>/y;
  for (let i = 0; i < pattern.length; ) {
    re.lastIndex = i;
    const m = re.exec(pattern);
    if (m !== null) {
      nodes.push({ capture: m[1]! });
      i = re.lastIndex;
      continue;
    }
    if (nodes.length === 0 || nodes.at(-1)!.capture !== undefined) nodes.push({});
    i++;
  }
  const names = nodes.flatMap((n) => (n.capture !== undefined && n.capture !== '_' ? [n.capture] : []));
  if (names.length === 0) throw parseErrorNoPos('invalid pattern parser: at least one capture is required');
  for (let i = 0; i + 1 < nodes.length; i += 2) {
    if (nodes[i]!.capture !== undefined && nodes[i + 1]!.capture !== undefined) {
      throw parseErrorNoPos('invalid pattern parser: found consecutive capture: invalid expression');
    }
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw parseErrorNoPos(`invalid pattern parser: duplicate capture name (${n}): invalid expression`);
    seen.add(n);
  }
}

/** Go's `strconv.ParseFloat` on a NUMBER token's text, or undefined. */
function parseGoFloat(text: string): number | undefined {
  const t = text.replaceAll('_', '');
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return Number(t);
  return undefined;
}

class Parser {
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly toks: readonly Token[],
  ) {}

  // -------------------------------------------------------------------------------------
  // Token helpers

  private peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private isOp(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'OP' && t.text === text;
  }

  private isKeyword(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'KEYWORD' && t.text === word;
  }

  private unexpected(t: Token, expecting?: string): LogQLParseError {
    const suffix = expecting === undefined ? '' : `, expecting ${expecting}`;
    const lineZero = ['RANGE', 'DURATION', 'BYTES', 'PARSER_FLAG'].includes(t.type) || (t.type === 'OP' && t.text.length === 2);
    return parseErrorAt(this.input, t.pos, `syntax error: unexpected ${tokenName(t)}${suffix}`, lineZero);
  }

  /** `expecting` only where the set Loki's automaton would list is known. */
  private expectOp(text: string, expecting?: string): Token {
    if (!this.isOp(text)) throw this.unexpected(this.peek(), expecting);
    return this.next();
  }

  private expectType(type: Token['type'], expecting: string | undefined = type): Token {
    if (this.peek().type !== type) throw this.unexpected(this.peek(), expecting);
    return this.next();
  }

  private expectString(): string {
    return this.expectType('STRING').str!;
  }

  expectEnd(): void {
    if (this.peek().type !== 'EOF') throw this.unexpected(this.peek());
  }

  // -------------------------------------------------------------------------------------
  // Expressions

  /** Precedence climbing over binary operators; operands are primaries. */
  parseExpr(minPrec: number): LogQLExpr {
    let lhs = this.parsePrimary();
    for (;;) {
      const t = this.peek();
      const op = binaryOpOf(t);
      if (op === undefined) return lhs;
      const prec = BINARY_PRECEDENCE[op]!;
      if (prec < minPrec) return lhs;
      this.next();
      const returnBool = this.isKeyword('bool') ? (this.next(), true) : false;
      const matching = this.parseVectorMatching();
      // `^` is right-associative; the others are left-associative.
      const rhs = this.parseExpr(op === '^' ? prec : prec + 1);
      lhs = makeBinary(op, lhs, rhs, returnBool, matching);
    }
  }

  private parseVectorMatching(): VectorMatching | undefined {
    if (!this.isKeyword('on') && !this.isKeyword('ignoring')) return undefined;
    const on = this.next().text === 'on';
    const labels = this.parseLabelList();
    let card: VectorMatching['card'] = 'one-to-one';
    let include: readonly string[] | undefined;
    if (this.isKeyword('group_left') || this.isKeyword('group_right')) {
      card = this.next().text === 'group_left' ? 'many-to-one' : 'one-to-many';
      if (this.isOp('(')) include = this.parseLabelList();
    }
    return {
      card,
      on,
      ...(labels !== undefined ? { labels } : {}),
      ...(include !== undefined ? { include } : {}),
    };
  }

  /** `( a, b )`; undefined for `()`, as Loki keeps a nil list for empty parentheses. */
  private parseLabelList(): readonly string[] | undefined {
    this.expectOp('(');
    if (this.isOp(')')) {
      this.next();
      return undefined;
    }
    const labels: string[] = [this.expectType('IDENTIFIER').text];
    while (this.isOp(',')) {
      this.next();
      labels.push(this.expectType('IDENTIFIER').text);
    }
    this.expectOp(')', ', or )');
    return labels;
  }

  private parseGrouping(): Grouping | undefined {
    if (!this.isKeyword('by') && !this.isKeyword('without')) return undefined;
    const without = this.next().text === 'without';
    return { without, labels: this.parseLabelList() ?? [] };
  }

  private parsePrimary(): LogQLExpr {
    const t = this.peek();
    if (t.type === 'OP') {
      if (t.text === '{') return this.parseLogSelectorExpr();
      if (t.text === '(') {
        this.next();
        const inner = this.parseExpr(0);
        this.expectOp(')');
        return inner;
      }
      if ((t.text === '+' || t.text === '-') && this.peek(1).type === 'NUMBER') {
        this.next();
        const v = this.parseNumber();
        return { kind: 'literal', value: t.text === '-' ? -v : v };
      }
    }
    if (t.type === 'NUMBER') return { kind: 'literal', value: this.parseNumber() };
    if (t.type === 'FUNCTION') {
      if (RANGE_OPS.has(t.text)) return this.parseRangeAggregation();
      if (VECTOR_OPS.has(t.text)) return this.parseVectorAggregation();
      if (t.text === 'vector') {
        this.next();
        this.expectOp('(');
        const v = this.parseNumber('unable to parse vectorExpr as a float');
        this.expectOp(')');
        return { kind: 'vector', value: v };
      }
      if (t.text === 'label_replace') return this.parseLabelReplace();
    }
    // Loki's experimental, sketch-based topk: refused with a clear word, not a syntax error.
    if (t.type === 'IDENTIFIER' && t.text === 'approx_topk') throw notImplemented('approx_topk (use topk, which is exact)');
    throw this.unexpected(t);
  }

  /** A NUMBER token as Go's ParseFloat reads it; Loki's error text when it cannot. */
  private parseNumber(what = 'unable to parse literal as a float'): number {
    const t = this.expectType('NUMBER');
    const v = parseGoFloat(t.text);
    if (v === undefined) throw parseErrorNoPos(`${what}: strconv.ParseFloat: parsing ${JSON.stringify(t.text)}: invalid syntax`);
    return v;
  }

  private parseRangeAggregation(): SampleExpr {
    const op = this.next().text as RangeOp;
    this.expectOp('(');
    let paramText: string | undefined;
    if (this.peek().type === 'NUMBER' && this.isOp(',', 1)) {
      paramText = this.next().text;
      this.next();
    }
    const range = this.parseLogRange();
    this.expectOp(')');
    const grouping = this.parseGrouping();

    let param: number | undefined;
    if (paramText !== undefined) {
      if (op !== 'quantile_over_time') throw parseErrorNoPos(`parameter ${paramText} not supported for operation ${op}`);
      param = parseGoFloat(paramText);
      if (param === undefined) {
        throw parseErrorNoPos(`invalid parameter for operation ${op}: strconv.ParseFloat: parsing ${JSON.stringify(paramText)}: invalid syntax`);
      }
    } else if (op === 'quantile_over_time') {
      throw parseErrorNoPos(`parameter required for operation ${op}`);
    }
    if (grouping !== undefined && !RANGE_GROUPING_OPS.has(op)) throw parseErrorNoPos(`grouping not allowed for ${op} aggregation`);
    if (range.unwrap !== undefined && !UNWRAP_OPS.has(op)) throw parseErrorNoPos(`invalid aggregation ${op} with unwrap`);
    if (range.unwrap === undefined && !LOG_RANGE_OPS.has(op)) throw parseErrorNoPos(`invalid aggregation ${op} without unwrap`);
    return {
      kind: 'range_aggregation',
      op,
      ...(param !== undefined ? { param } : {}),
      range,
      ...(grouping !== undefined ? { grouping } : {}),
    };
  }

  /**
   * The argument of a range aggregation, in any of the orders Loki accepts:
   * `sel [pipeline] [unwrap] [d] [offset o]`, `sel [d] [offset o] [pipeline] [unwrap]`,
   * and the same with the selector part (or the whole range) in parentheses.
   */
  private parseLogRange(): LogRange {
    if (this.isOp('(')) {
      this.next();
      if (this.isOp('(')) {
        const inner = this.parseLogRange();
        this.expectOp(')');
        return inner;
      }
      const matchers = this.parseMatchers();
      const stages = this.parseStages();
      const unwrap = this.parseUnwrap();
      const selector: LogSelectorExpr = { kind: 'log_selector', matchers, stages };
      if (this.peek().type === 'RANGE') {
        // `(sel … [d])`: a whole range in parentheses.
        const r = this.finishRange(selector, unwrap);
        this.expectOp(')');
        return r;
      }
      this.expectOp(')');
      return this.finishRange(selector, unwrap);
    }
    const matchers = this.parseMatchers();
    const stages = this.parseStages();
    const unwrap = this.parseUnwrap();
    if (stages.length === 0 && unwrap === undefined && this.peek().type === 'RANGE') {
      // `sel [d] [offset o] [pipeline] [unwrap]`
      const rangeMs = this.next().num!;
      const offsetMs = this.parseOffset();
      const after = this.parseStages();
      const lateUnwrap = this.parseUnwrap();
      return {
        selector: { kind: 'log_selector', matchers, stages: after },
        rangeMs,
        offsetMs,
        ...(lateUnwrap !== undefined ? { unwrap: lateUnwrap } : {}),
      };
    }
    return this.finishRange({ kind: 'log_selector', matchers, stages }, unwrap);
  }

  private finishRange(selector: LogSelectorExpr, unwrap: Unwrap | undefined): LogRange {
    const rangeMs = this.expectType('RANGE', undefined).num!;
    const offsetMs = this.parseOffset();
    return { selector, rangeMs, offsetMs, ...(unwrap !== undefined ? { unwrap } : {}) };
  }

  private parseOffset(): number {
    if (!this.isKeyword('offset')) return 0;
    this.next();
    return this.expectType('DURATION').num! / 1e6;
  }

  /** `| unwrap x`, `| unwrap bytes(x)`, … with `| <label filter>` stages after it. */
  private parseUnwrap(): Unwrap | undefined {
    if (!(this.isOp('|') && this.isKeyword('unwrap', 1))) return undefined;
    this.next();
    this.next();
    let conversion: Unwrap['conversion'] = '';
    let label: string;
    const t = this.peek();
    if (t.type === 'FUNCTION' && (t.text === 'bytes' || t.text === 'duration' || t.text === 'duration_seconds')) {
      this.next();
      conversion = t.text;
      this.expectOp('(');
      label = this.expectType('IDENTIFIER').text;
      this.expectOp(')');
    } else {
      label = this.expectType('IDENTIFIER').text;
    }
    const postFilters: LabelFilter[] = [];
    while (this.isOp('|')) {
      this.next();
      postFilters.push(this.parseLabelFilter());
    }
    return { label, conversion, postFilters };
  }

  private parseVectorAggregation(): SampleExpr {
    const op = this.next().text as VectorOp;
    let grouping = this.parseGrouping();
    const groupingBefore = grouping !== undefined;
    this.expectOp('(');
    let paramText: string | undefined;
    if (this.peek().type === 'NUMBER' && this.isOp(',', 1)) {
      paramText = this.next().text;
      this.next();
    }
    const inner = this.parseExpr(0);
    // A log query is no operand: Loki's grammar fails on the token after it.
    if (inner.kind === 'log_selector') throw this.unexpected(this.peek());
    this.expectOp(')');
    if (!groupingBefore) grouping = this.parseGrouping();

    let param: number | undefined;
    if (op === 'topk' || op === 'bottomk') {
      if (paramText === undefined) throw parseErrorNoPos(`parameter required for operation ${op}`);
      if (!/^[+-]?\d+$/.test(paramText)) throw parseErrorNoPos(`invalid parameter ${op}(${paramText},`);
      param = Number(paramText);
      if (param <= 0) throw parseErrorNoPos(`invalid parameter (must be greater than 0) ${op}(${paramText}`);
    } else if (paramText !== undefined) {
      throw parseErrorNoPos(`unsupported parameter for operation ${op}(${paramText},`);
    }
    // `by ()` groups everything into one series, exactly as no grouping does, and Loki
    // prints both the same way; keep one form so that printing round-trips.
    if (grouping !== undefined && !grouping.without && grouping.labels.length === 0) grouping = undefined;
    return {
      kind: 'vector_aggregation',
      op,
      ...(param !== undefined ? { param } : {}),
      ...(grouping !== undefined ? { grouping } : {}),
      expr: inner,
    };
  }

  private parseLabelReplace(): SampleExpr {
    this.next();
    this.expectOp('(');
    const inner = this.parseExpr(0);
    if (inner.kind === 'log_selector') throw this.unexpected(this.peek());
    const args: string[] = [];
    for (let k = 0; k < 4; k++) {
      this.expectOp(',', ',');
      args.push(this.expectString());
    }
    this.expectOp(')');
    const [dst, replacement, src, regex] = args as [string, string, string, string];
    checkRegex(src, regex, 'invalid regex in label_replace: ');
    return { kind: 'label_replace', expr: inner, dst, replacement, src, regex };
  }

  // -------------------------------------------------------------------------------------
  // Log selectors and pipelines

  private parseLogSelectorExpr(): LogSelectorExpr {
    const matchers = this.parseMatchers();
    const stages = this.parseStages(false);
    return { kind: 'log_selector', matchers, stages };
  }

  private parseMatchers(): LabelMatcher[] {
    // What else Loki's automaton would accept here depends on the context; name none.
    if (!this.isOp('{')) throw this.unexpected(this.peek());
    this.next();
    const matchers: LabelMatcher[] = [];
    if (this.isOp('}')) {
      this.next();
      return matchers;
    }
    if (this.peek().type !== 'IDENTIFIER') throw this.unexpected(this.peek(), 'IDENTIFIER or }');
    for (;;) {
      matchers.push(this.parseMatcher());
      if (this.isOp('}')) {
        this.next();
        return matchers;
      }
      this.expectOp(',', '} or ,');
    }
  }

  private parseMatcher(): LabelMatcher {
    const name = this.expectType('IDENTIFIER').text;
    const opTok = this.peek();
    if (opTok.type !== 'OP' || !MATCH_OPS.has(opTok.text)) throw this.unexpected(opTok, '= or =~ or !~ or !=');
    this.next();
    return this.finishMatcher(name, opTok.text as MatchType);
  }

  private finishMatcher(name: string, type: MatchType): LabelMatcher {
    const value = this.expectString();
    if (type === '=~' || type === '!~') checkRegex(name, value, '');
    return { type, name, value };
  }

  /**
   * Pipeline stages, up to anything that is not a stage. Inside a range aggregation it
   * also stops before `| unwrap`; elsewhere `unwrap` is an unexpected token, as in Loki.
   */
  private parseStages(inRange = true): Stage[] {
    const stages: Stage[] = [];
    for (;;) {
      const t = this.peek();
      if (t.type !== 'OP') return stages;
      if (LINE_FILTER_OPS.has(t.text)) {
        // `!=` is also the binary operator; it is a line filter only before a string or ip().
        const n = this.peek(1);
        if (t.text === '!=' && n.type !== 'STRING' && !(n.type === 'FUNCTION' && n.text === 'ip')) return stages;
        this.next();
        stages.push(...this.parseLineFilter(t.text as LineFilterOp));
        continue;
      }
      if (t.text !== '|') return stages;
      if (this.isKeyword('unwrap', 1)) {
        if (inRange) return stages;
        throw this.unexpected(this.peek(1));
      }
      this.next();
      stages.push(this.parsePipeStage());
    }
  }

  private parseLineMatch(): LineMatch {
    const t = this.peek();
    if (t.type === 'STRING') {
      this.next();
      return { value: t.str!, ip: false };
    }
    if (t.type === 'FUNCTION' && t.text === 'ip') {
      this.next();
      this.expectOp('(');
      const value = this.expectString();
      this.expectOp(')');
      return { value, ip: true };
    }
    throw this.unexpected(t, 'STRING or ip');
  }

  /**
   * A line filter and its `or` alternatives. A negative filter with alternatives becomes
   * one filter per alternative, as Loki rewrites `!= "a" or "b"` to `!= "a" != "b"`.
   */
  private parseLineFilter(op: LineFilterOp): Stage[] {
    const matches: LineMatch[] = [this.parseLineMatch()];
    while (this.isKeyword('or')) {
      this.next();
      matches.push(this.parseLineMatch());
    }
    if (op === '|=' || op === '|~' || op === '|>') return [{ kind: 'line_filter', op, matches }];
    return matches.map((m) => ({ kind: 'line_filter', op, matches: [m] }));
  }

  /** The stage after a `|`. */
  private parsePipeStage(): Stage {
    const t = this.peek();
    if (t.type === 'KEYWORD') {
      switch (t.text) {
        case 'json':
          this.next();
          return { kind: 'json', params: this.parseExtractionParams() };
        case 'logfmt': {
          this.next();
          let strict = false;
          let keepEmpty = false;
          while (this.peek().type === 'PARSER_FLAG') {
            if (this.next().text === '--strict') strict = true;
            else keepEmpty = true;
          }
          return { kind: 'logfmt', strict, keepEmpty, params: this.parseExtractionParams() };
        }
        case 'regexp': {
          this.next();
          const pattern = this.expectString();
          checkRegexpParser(pattern);
          return { kind: 'regexp', pattern };
        }
        case 'pattern': {
          this.next();
          const pattern = this.expectString();
          checkPatternParser(pattern);
          return { kind: 'pattern', pattern };
        }
        case 'unpack':
          this.next();
          return { kind: 'unpack' };
        case 'decolorize':
          this.next();
          return { kind: 'decolorize' };
        case 'line_format':
          this.next();
          return { kind: 'line_format', template: this.expectString() };
        case 'label_format':
          this.next();
          return { kind: 'label_format', formats: this.parseLabelFormats() };
        case 'drop':
        case 'keep':
          this.next();
          return { kind: t.text, labels: this.parseLabelSelections() };
      }
    }
    return { kind: 'label_filter', filter: this.parseLabelFilter() };
  }

  private parseExtractionParams(): ExtractionParam[] {
    const params: ExtractionParam[] = [];
    if (this.peek().type !== 'IDENTIFIER') return params;
    for (;;) {
      const label = this.expectType('IDENTIFIER').text;
      let expression = label;
      if (this.isOp('=')) {
        this.next();
        expression = this.expectString();
      }
      params.push({ label, expression });
      if (!this.isOp(',')) return params;
      this.next();
    }
  }

  private parseLabelFormats(): LabelFormat[] {
    const formats: LabelFormat[] = [];
    for (;;) {
      const name = this.expectType('IDENTIFIER').text;
      this.expectOp('=');
      const v = this.peek();
      if (v.type === 'IDENTIFIER') formats.push({ name, rename: true, value: this.next().text });
      else if (v.type === 'STRING') formats.push({ name, rename: false, value: this.next().str! });
      else throw this.unexpected(v, 'IDENTIFIER or STRING');
      if (!this.isOp(',')) return formats;
      this.next();
    }
  }

  private parseLabelSelections(): LabelSelection[] {
    const labels: LabelSelection[] = [];
    for (;;) {
      const name = this.expectType('IDENTIFIER').text;
      const t = this.peek();
      if (t.type === 'OP' && MATCH_OPS.has(t.text)) {
        this.next();
        labels.push({ matcher: this.finishMatcher(name, t.text as MatchType) });
      } else {
        labels.push({ name });
      }
      if (!this.isOp(',')) return labels;
      this.next();
    }
  }

  // -------------------------------------------------------------------------------------
  // Label filters

  /**
   * A label filter expression. `or` binds loosest and `and` is left-associative; after a
   * `,` or a bare juxtaposition the rest of the expression is the right operand, which is
   * how Loki's grammar resolves those (they have no precedence, so yacc shifts).
   */
  private parseLabelFilter(): LabelFilter {
    let left = this.parseLabelFilterAnd();
    while (this.isKeyword('or')) {
      this.next();
      const right = this.parseLabelFilterAnd();
      left = { kind: 'or', left, right };
    }
    return left;
  }

  private parseLabelFilterAnd(): LabelFilter {
    let left = this.parseLabelFilterPrimary();
    for (;;) {
      if (this.isKeyword('and')) {
        this.next();
        left = { kind: 'and', left, right: this.parseLabelFilterPrimary() };
        continue;
      }
      if (this.isOp(',')) {
        this.next();
        return { kind: 'and', left, right: this.parseLabelFilter() };
      }
      if (this.peek().type === 'IDENTIFIER' || this.isOp('(')) {
        return { kind: 'and', left, right: this.parseLabelFilter() };
      }
      return left;
    }
  }

  private parseLabelFilterPrimary(): LabelFilter {
    if (this.isOp('(')) {
      this.next();
      const inner = this.parseLabelFilter();
      this.expectOp(')');
      return inner;
    }
    const name = this.expectType('IDENTIFIER').text;
    const opTok = this.peek();
    if (opTok.type !== 'OP' || !['=', '!=', '=~', '!~', '==', '>', '>=', '<', '<='].includes(opTok.text)) {
      throw this.unexpected(opTok);
    }
    this.next();
    const op = opTok.text;
    const v = this.peek();
    if (v.type === 'STRING' && (op === '=' || op === '!=' || op === '=~' || op === '!~')) {
      return { kind: 'string', matcher: this.finishMatcher(name, op as MatchType) };
    }
    if (op === '=~' || op === '!~') throw this.unexpected(v, 'STRING');
    const cmp: CompareOp = op === '=' ? '==' : (op as CompareOp);
    if (v.type === 'FUNCTION' && v.text === 'ip' && (op === '=' || op === '!=')) {
      this.next();
      this.expectOp('(');
      const pattern = this.expectString();
      this.expectOp(')');
      return { kind: 'ip', name, op: cmp as '==' | '!=', pattern };
    }
    if (v.type === 'DURATION') {
      this.next();
      return { kind: 'duration', name, op: cmp, valueNs: v.num! };
    }
    if (v.type === 'BYTES') {
      this.next();
      return { kind: 'bytes', name, op: cmp, bytes: v.num! };
    }
    if (v.type === 'NUMBER' || ((v.text === '-' || v.text === '+') && v.type === 'OP' && this.peek(1).type === 'NUMBER')) {
      let sign = 1;
      if (v.type === 'OP') {
        sign = this.next().text === '-' ? -1 : 1;
      }
      return { kind: 'number', name, op: cmp, value: sign * this.parseNumber() };
    }
    throw this.unexpected(v);
  }
}

/** Loki's `%T` of a log expression, as it appears in its binary-operation errors. */
function goTypeName(e: LogSelectorExpr): string {
  return e.stages.length === 0 ? '*syntax.MatchersExpr' : '*syntax.PipelineExpr';
}

function binaryOpOf(t: Token): BinaryOp | undefined {
  if (t.type === 'KEYWORD' && SET_OPS.has(t.text)) return t.text as BinaryOp;
  if (t.type === 'OP' && BINARY_PRECEDENCE[t.text] !== undefined) return t.text as BinaryOp;
  return undefined;
}

/**
 * Builds a binary expression with Loki's checks: both sides must be metric expressions,
 * set operators refuse literals, and two literals fold into one (`1 + 1` is `2`).
 */
function makeBinary(op: BinaryOp, lhs: LogQLExpr, rhs: LogQLExpr, returnBool: boolean, matching?: VectorMatching): SampleExpr {
  if (lhs.kind === 'log_selector') {
    throw parseErrorNoPos(`unexpected type for left leg of binary operation (${op}): ${goTypeName(lhs)}`);
  }
  if (rhs.kind === 'log_selector') {
    throw parseErrorNoPos(`unexpected type for right leg of binary operation (${op}): ${goTypeName(rhs)}`);
  }
  if (SET_OPS.has(op)) {
    if (lhs.kind === 'literal') {
      throw parseErrorNoPos(`unexpected literal for left leg of logical/set binary operation (${op}): ${lhs.value.toFixed(6)}`);
    }
    if (rhs.kind === 'literal') {
      throw parseErrorNoPos(`unexpected literal for right leg of logical/set binary operation (${op}): ${rhs.value.toFixed(6)}`);
    }
  }
  if (lhs.kind === 'literal' && rhs.kind === 'literal') return { kind: 'literal', value: foldLiterals(op, lhs.value, rhs.value) };
  const e: BinaryExpr = { kind: 'binary', op, lhs, rhs, returnBool, ...(matching !== undefined ? { matching } : {}) };
  return e;
}

/** Loki's `MergeBinOp` on two scalars: arithmetic, or a comparison as 1 or 0. */
function foldLiterals(op: BinaryOp, l: number, r: number): number {
  if (isComparison(op)) return compare(op, l, r) ? 1 : 0;
  // Set operators with literals were refused above.
  return arithmetic(op, l, r);
}

/** How goyacc (with Loki's renaming of its `tokens` map) names a token in errors. */
function tokenName(t: Token): string {
  switch (t.type) {
    case 'EOF':
      return '$end';
    case 'OP':
    case 'KEYWORD':
      return t.text;
    case 'FUNCTION':
      return FUNCTION_TOKEN_NAMES[t.text] ?? t.text.toUpperCase();
    case 'CHAR':
      return 'IDENTIFIER';
    default:
      return t.type;
  }
}
