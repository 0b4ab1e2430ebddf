/**
 * The PromQL parser: a precedence-climbing recursive-descent reading of Prometheus 2.42's
 * `generated_parser.y`, with the semantic actions of `parse.go` (offsets, `@`, ranges,
 * aggregation arity) and then its type check (`checkAST`, in `check.ts`).
 *
 * Error messages follow upstream's. Where the yacc parser recovers through an `error`
 * production, this parser reports the same context ("in grouping opts", "in offset",
 * "in label matching", "in @", "in subquery selector", "in aggregation"); everywhere else
 * it reports a bare "unexpected <token>". The first error wins, as upstream prints only
 * the first of its list.
 */
import { newMatcher, type Matcher, type MatchType } from '../../model/matcher.js';
import type {
  AggregateExpr,
  AggregateOp,
  AtModifier,
  BinaryExpr,
  BinaryOp,
  Call,
  Expr,
  MatrixSelector,
  PosRange,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from '../ast.js';
import { parseDurationMs } from './duration.js';
import { FUNCTIONS } from './functions.js';
import { goFormatFixed, goQuote } from './go-format.js';
import { AGGREGATORS, describeItem, isLabel, lex, type Item, type ItemType } from './lexer.js';
import { parseNumberToken, unquoteString } from './literals.js';
import { parseErrorAt, ParseError } from './parse-error.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Binary operator precedence, lowest first, as the `%left`/`%right` lines of the grammar. */
const BIN_PREC: Partial<Record<ItemType, number>> = {
  LOR: 1,
  LAND: 2,
  LUNLESS: 2,
  EQLC: 3,
  NEQ: 3,
  LTE: 3,
  LSS: 3,
  GTE: 3,
  GTR: 3,
  ADD: 4,
  SUB: 4,
  MUL: 5,
  DIV: 5,
  MOD: 5,
  ATAN2: 5,
  POW: 6,
};

/** `unary_op expr %prec MUL`: a unary operand takes only operators above MUL, i.e. `^`. */
const UNARY_OPERAND_PREC = 6;

const BIN_OP: Partial<Record<ItemType, BinaryOp>> = {
  LOR: 'or',
  LAND: 'and',
  LUNLESS: 'unless',
  EQLC: '==',
  NEQ: '!=',
  LTE: '<=',
  LSS: '<',
  GTE: '>=',
  GTR: '>',
  ADD: '+',
  SUB: '-',
  MUL: '*',
  DIV: '/',
  MOD: '%',
  ATAN2: 'atan2',
  POW: '^',
};

const AGG_OP: Partial<Record<ItemType, AggregateOp>> = {
  SUM: 'sum',
  AVG: 'avg',
  COUNT: 'count',
  MIN: 'min',
  MAX: 'max',
  GROUP: 'group',
  STDDEV: 'stddev',
  STDVAR: 'stdvar',
  TOPK: 'topk',
  BOTTOMK: 'bottomk',
  COUNT_VALUES: 'count_values',
  QUANTILE: 'quantile',
};

const AGG_WITH_PARAM: ReadonlySet<AggregateOp> = new Set<AggregateOp>(['topk', 'bottomk', 'count_values', 'quantile']);

const MATCH_OP: Partial<Record<ItemType, MatchType>> = { EQL: '=', NEQ: '!=', EQL_REGEX: '=~', NEQ_REGEX: '!~' };

/** Tokens the grammar accepts as a metric name (`metric_identifier`): keywords included. */
const METRIC_IDENTIFIER: ReadonlySet<ItemType> = new Set<ItemType>([
  'AVG', 'BOTTOMK', 'BY', 'COUNT', 'COUNT_VALUES', 'GROUP', 'IDENTIFIER', 'LAND', 'LOR', 'LUNLESS', 'MAX', 'METRIC_IDENTIFIER',
  'MIN', 'OFFSET', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK', 'WITHOUT', 'START', 'END',
]);

/** Tokens the grammar accepts as a grouping label (`maybe_label`); note WITHOUT is absent upstream. */
const MAYBE_LABEL: ReadonlySet<ItemType> = new Set<ItemType>([
  'AVG', 'BOOL', 'BOTTOMK', 'BY', 'COUNT', 'COUNT_VALUES', 'GROUP', 'GROUP_LEFT', 'GROUP_RIGHT', 'IDENTIFIER', 'IGNORING', 'LAND',
  'LOR', 'LUNLESS', 'MAX', 'METRIC_IDENTIFIER', 'MIN', 'OFFSET', 'ON', 'QUANTILE', 'STDDEV', 'STDVAR', 'SUM', 'TOPK', 'START', 'END', 'ATAN2',
]);

/** Tokens whose end upstream records as `lastClosing`, the end of the enclosing node. */
const CLOSING: ReadonlySet<ItemType> = new Set<ItemType>(['RIGHT_BRACE', 'RIGHT_PAREN', 'RIGHT_BRACKET', 'DURATION', 'NUMBER']);

/** Largest |ts| in seconds `@` accepts: upstream compares against math.MaxInt64 as a float. */
const MAX_AT_SECONDS = 2 ** 63;

function itemRange(it: Item): PosRange {
  return { start: it.pos, end: it.pos + it.val.length };
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  const r = Math.sign(x) * Math.round(Math.abs(x));
  return r === 0 ? 0 : r;
}

interface BinModifiers {
  readonly returnBool: boolean;
  readonly matching: VectorMatching;
}

/** One parse of one input. Not reusable. */
export class Parser {
  private readonly items: Item[];
  private idx = 0;
  /** Open aggregations: a syntax error below one is reported "in aggregation", as yacc recovers there. */
  private aggDepth = 0;
  private lastClosing = 0;

  constructor(readonly input: string) {
    this.items = lex(input);
  }

  /** `start: START_EXPRESSION expr EOF`. */
  parseTop(): Expr {
    if (this.peek().type === 'EOF') this.fail({ start: 0, end: 0 }, 'no expression found in input');
    const e = this.parseExpr(0);
    this.expectEnd();
    return e;
  }

  /** `start: START_METRIC_SELECTOR vector_selector EOF`. */
  parseSelectorOnly(): VectorSelector {
    const first = this.peek();
    let vs: VectorSelector;
    if (first.type === 'LEFT_BRACE') {
      vs = this.parseVectorSelector(undefined);
    } else if (METRIC_IDENTIFIER.has(first.type)) {
      this.next();
      vs = this.parseVectorSelector(first);
    } else {
      return this.unexpected(first);
    }
    this.expectEnd();
    return vs;
  }

  // --- token access -------------------------------------------------------------------

  /** The next item; reading a lexer error reports it, as upstream's Lex() does. */
  private peek(): Item {
    const it = this.items[this.idx]!;
    if (it.type === 'ERROR') this.fail({ start: it.pos, end: this.input.length }, it.val);
    return it;
  }

  private next(): Item {
    const it = this.peek();
    if (it.type !== 'EOF') this.idx++;
    if (CLOSING.has(it.type)) this.lastClosing = it.pos + it.val.length;
    return it;
  }

  private fail(range: PosRange, message: string): never {
    throw parseErrorAt(this.input, range, message);
  }

  /** Upstream's `unexpected(context, expected)` on `it`. */
  private unexpected(it: Item, context = '', expected = ''): never {
    let msg = `unexpected ${describeItem(it)}`;
    if (context !== '') msg += ` in ${context}`;
    if (expected !== '') msg += `, expected ${expected}`;
    return this.fail(itemRange(it), msg);
  }

  /** A syntax error with no closer recovery rule: yacc falls back to the aggregation or the start rule. */
  private generic(it: Item): never {
    return this.aggDepth > 0 ? this.unexpected(it, 'aggregation') : this.unexpected(it);
  }

  private expectEnd(): void {
    const t = this.peek();
    if (t.type !== 'EOF') this.generic(t);
  }

  // --- expressions --------------------------------------------------------------------

  private parseExpr(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const t = this.peek();
      const prec = BIN_PREC[t.type];
      if (prec === undefined || prec < minPrec) return lhs;
      this.next();
      const mods = this.parseBinModifiers();
      // `^` is right-associative; every other operator is left-associative.
      const rhs = this.parseExpr(t.type === 'POW' ? prec : prec + 1);
      const bin: BinaryExpr = {
        kind: 'binary',
        op: BIN_OP[t.type]!,
        lhs,
        rhs,
        returnBool: mods.returnBool,
        matching: mods.matching,
        pos: { start: lhs.pos.start, end: rhs.pos.end },
      };
      lhs = bin;
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.type !== 'ADD' && t.type !== 'SUB') return this.parsePostfix(this.parsePrimary());
    this.next();
    const operand = this.parseExpr(UNARY_OPERAND_PREC);
    const pos = { start: t.pos, end: operand.pos.end };
    if (operand.kind === 'number') {
      // Upstream folds the sign into a number literal.
      return { kind: 'number', value: t.type === 'SUB' ? -operand.value : operand.value, pos };
    }
    return { kind: 'unary', op: t.type === 'SUB' ? '-' : '+', expr: operand, pos };
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'NUMBER': {
        this.next();
        return { kind: 'number', value: this.number(t), pos: itemRange(t) };
      }
      case 'STRING':
        this.next();
        return { kind: 'string', value: unquoteString(t.val), pos: itemRange(t) };
      case 'LEFT_PAREN': {
        this.next();
        const inner = this.parseExpr(0);
        const close = this.peek();
        if (close.type !== 'RIGHT_PAREN') this.generic(close);
        this.next();
        return { kind: 'paren', expr: inner, pos: { start: t.pos, end: close.pos + 1 } };
      }
      case 'LEFT_BRACE':
        return this.parseVectorSelector(undefined);
      case 'IDENTIFIER':
        this.next();
        if (this.peek().type === 'LEFT_PAREN') return this.parseCall(t);
        return this.parseVectorSelector(t);
    }
    if (AGGREGATORS.has(t.type)) {
      this.next();
      const after = this.peek();
      if (after.type === 'LEFT_PAREN' || after.type === 'BY' || after.type === 'WITHOUT') return this.parseAggregate(t);
      return this.parseVectorSelector(t);
    }
    if (METRIC_IDENTIFIER.has(t.type)) {
      this.next();
      return this.parseVectorSelector(t);
    }
    return this.generic(t);
  }

  /** Offsets, `@` and ranges bind tighter than any operator, to the expression just read. */
  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.type === 'LEFT_BRACKET') e = this.parseRangeOrSubquery(e);
      else if (t.type === 'OFFSET') e = this.parseOffset(e);
      else if (t.type === 'AT') e = this.parseAt(e);
      else return e;
    }
  }

  private number(t: Item): number {
    const r = parseNumberToken(t.val);
    if ('error' in r) return this.fail(itemRange(t), r.error);
    return r.value;
  }

  /** `duration: DURATION`, which upstream requires to be positive. */
  private duration(t: Item): number {
    let ms: number;
    try {
      ms = parseDurationMs(t.val);
    } catch (e) {
      if (e instanceof ParseError) return this.fail(itemRange(t), e.message);
      throw e;
    }
    if (ms === 0) this.fail(itemRange(t), 'duration must be greater than 0');
    return ms;
  }

  // --- selectors ----------------------------------------------------------------------

  /** `vector_selector`, the metric name token (if any) already consumed. */
  private parseVectorSelector(nameTok: Item | undefined): VectorSelector {
    const matchers: Matcher[] = [];
    let start = nameTok?.pos ?? 0;
    let end = nameTok === undefined ? 0 : nameTok.pos + nameTok.val.length;
    if (this.peek().type === 'LEFT_BRACE') {
      const lb = this.next();
      if (nameTok === undefined) start = lb.pos;
      end = this.parseLabelMatchers(matchers);
    }
    const name = nameTok?.val ?? '';
    // Upstream appends the matcher for a name written outside the braces last.
    if (name !== '') matchers.push(newMatcher('=', '__name__', name));
    return { kind: 'vectorSelector', name, matchers, offsetMs: 0, at: undefined, pos: { start, end } };
  }

  /** `label_matchers` after its `{`; returns the end offset of the `}`. */
  private parseLabelMatchers(out: Matcher[]): number {
    if (this.peek().type === 'RIGHT_BRACE') return this.next().pos + 1;
    for (;;) {
      const label = this.peek();
      if (label.type !== 'IDENTIFIER') this.unexpected(label, 'label matching', 'identifier or "}"');
      this.next();
      const op = this.peek();
      const type = MATCH_OP[op.type];
      if (type === undefined) this.unexpected(op, 'label matching', 'label matching operator');
      this.next();
      const value = this.peek();
      if (value.type !== 'STRING') this.unexpected(value, 'label matching', 'string');
      this.next();
      out.push(this.labelMatcher(label, type, value));
      const sep = this.peek();
      if (sep.type === 'RIGHT_BRACE') return this.next().pos + 1;
      if (sep.type !== 'COMMA') this.unexpected(sep, 'label matching', '"," or "}"');
      this.next();
      if (this.peek().type === 'RIGHT_BRACE') return this.next().pos + 1;
    }
  }

  private labelMatcher(label: Item, type: MatchType, value: Item): Matcher {
    try {
      return newMatcher(type, label.val, unquoteString(value.val));
    } catch (e) {
      // A regex that does not compile (the message is the matcher module's, not Go's regexp's).
      if (e instanceof Error) return this.fail({ start: label.pos, end: value.pos + value.val.length }, e.message);
      throw e;
    }
  }

  /** `matrix_selector` or `subquery_expr`: `expr [ duration ]` or `expr [ duration : maybe_duration ]`. */
  private parseRangeOrSubquery(e: Expr): Expr {
    const lb = this.next();
    let t = this.peek();
    if (t.type !== 'DURATION') this.unexpected(t, 'subquery selector', 'duration');
    this.next();
    const rangeMs = this.duration(t);
    t = this.peek();
    if (t.type === 'RIGHT_BRACKET') {
      this.next();
      const errRange = { start: lb.pos, end: t.pos + 1 };
      if (e.kind !== 'vectorSelector') this.fail(errRange, 'ranges only allowed for vector selectors');
      if (e.offsetMs !== 0) this.fail(errRange, 'no offset modifiers allowed before range');
      // Upstream checks only a timestamp here, so `foo @ start() [5m]` is accepted.
      if (e.at !== undefined && e.at.kind === 'time') this.fail(errRange, 'no @ modifiers allowed before range');
      const ms: MatrixSelector = { kind: 'matrixSelector', vector: e, rangeMs, pos: { start: e.pos.start, end: t.pos + 1 } };
      return ms;
    }
    if (t.type !== 'COLON') this.unexpected(t, 'subquery or range', '":" or "]"');
    this.next();
    t = this.peek();
    let stepMs = 0;
    if (t.type === 'DURATION') {
      this.next();
      stepMs = this.duration(t);
      t = this.peek();
      if (t.type !== 'RIGHT_BRACKET') this.unexpected(t, 'subquery selector', '"]"');
    } else if (t.type !== 'RIGHT_BRACKET') {
      this.unexpected(t, 'subquery selector', 'duration or "]"');
    }
    this.next();
    const sq: SubqueryExpr = { kind: 'subquery', expr: e, rangeMs, stepMs, offsetMs: 0, at: undefined, pos: { start: e.pos.start, end: t.pos + 1 } };
    return sq;
  }

  /** `offset_expr: expr OFFSET duration | expr OFFSET SUB duration`. */
  private parseOffset(e: Expr): Expr {
    this.next();
    let t = this.peek();
    let negative = false;
    if (t.type === 'SUB') {
      this.next();
      negative = true;
      t = this.peek();
    }
    if (t.type !== 'DURATION') this.unexpected(t, 'offset', 'duration');
    this.next();
    const d = this.duration(t);
    const offsetMs = negative ? -d : d;
    const end = this.lastClosing;
    switch (e.kind) {
      case 'vectorSelector':
        if (e.offsetMs !== 0) this.fail(e.pos, 'offset may not be set multiple times');
        return { ...e, offsetMs, pos: { start: e.pos.start, end } };
      case 'matrixSelector':
        if (e.vector.offsetMs !== 0) this.fail(e.pos, 'offset may not be set multiple times');
        return { ...e, vector: { ...e.vector, offsetMs }, pos: { start: e.pos.start, end } };
      case 'subquery':
        if (e.offsetMs !== 0) this.fail(e.pos, 'offset may not be set multiple times');
        return { ...e, offsetMs, pos: { start: e.pos.start, end } };
      default:
        return this.fail(e.pos, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
  }

  /** `step_invariant_expr: expr AT signed_or_unsigned_number | expr AT (start|end) ( )`. */
  private parseAt(e: Expr): Expr {
    this.next();
    let t = this.peek();
    let at: AtModifier;
    if (t.type === 'START' || t.type === 'END') {
      this.next();
      const lp = this.peek();
      if (lp.type !== 'LEFT_PAREN') this.unexpected(lp, '@', 'timestamp');
      this.next();
      const rp = this.peek();
      if (rp.type !== 'RIGHT_PAREN') this.unexpected(rp, '@', 'timestamp');
      this.next();
      at = { kind: t.type === 'START' ? 'start' : 'end' };
    } else {
      let sign = 1;
      if (t.type === 'ADD' || t.type === 'SUB') {
        this.next();
        sign = t.type === 'SUB' ? -1 : 1;
        t = this.peek();
      }
      if (t.type !== 'NUMBER') this.unexpected(t, '@', 'timestamp');
      this.next();
      const ts = sign * this.number(t);
      if (!Number.isFinite(ts) || ts >= MAX_AT_SECONDS || ts <= -MAX_AT_SECONDS) {
        this.fail(e.pos, `timestamp out of bounds for @ modifier: ${goFormatFixed(ts)}`);
      }
      at = { kind: 'time', t: goRound(ts * 1000) };
    }
    const end = this.lastClosing;
    const target = e.kind === 'matrixSelector' ? e.vector : e;
    if (target.kind !== 'vectorSelector' && target.kind !== 'subquery') {
      return this.fail(e.pos, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (target.at !== undefined) this.fail(e.pos, '@ <timestamp> may not be set multiple times');
    switch (e.kind) {
      case 'vectorSelector':
        return { ...e, at, pos: { start: e.pos.start, end } };
      case 'matrixSelector':
        return { ...e, vector: { ...e.vector, at }, pos: { start: e.pos.start, end } };
      default:
        return { ...(e as SubqueryExpr), at, pos: { start: e.pos.start, end } };
    }
  }

  // --- calls and aggregations -----------------------------------------------------------

  /** `function_call_body`: `( )` or `( expr, ... )`; returns the arguments. */
  private parseCallBody(): Expr[] {
    this.next(); // LEFT_PAREN, checked by the caller
    const args: Expr[] = [];
    if (this.peek().type === 'RIGHT_PAREN') {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.parseExpr(0));
      const t = this.peek();
      if (t.type === 'RIGHT_PAREN') {
        this.next();
        return args;
      }
      if (t.type !== 'COMMA') this.generic(t);
      this.next();
      if (this.peek().type === 'RIGHT_PAREN') this.fail(itemRange(t), 'trailing commas not allowed in function call args');
    }
  }

  private parseCall(nameTok: Item): Call {
    const args = this.parseCallBody();
    if (!FUNCTIONS.has(nameTok.val)) this.fail(itemRange(nameTok), `unknown function with name ${goQuote(nameTok.val)}`);
    return { kind: 'call', func: nameTok.val, args, pos: { start: nameTok.pos, end: this.lastClosing } };
  }

  /** `aggregate_expr`, the operator token already consumed; the modifier may come before or after the body. */
  private parseAggregate(opTok: Item): AggregateExpr {
    const op = AGG_OP[opTok.type]!;
    this.aggDepth++;
    let grouping: string[] = [];
    let without = false;
    let modified = false;
    let t = this.peek();
    if (t.type === 'BY' || t.type === 'WITHOUT') {
      this.next();
      without = t.type === 'WITHOUT';
      grouping = this.parseGroupingLabels();
      modified = true;
      t = this.peek();
    }
    if (t.type !== 'LEFT_PAREN') this.generic(t);
    const args = this.parseCallBody();
    if (!modified) {
      t = this.peek();
      if (t.type === 'BY' || t.type === 'WITHOUT') {
        this.next();
        without = t.type === 'WITHOUT';
        grouping = this.parseGroupingLabels();
      }
    }
    this.aggDepth--;
    const pos = { start: opTok.pos, end: this.lastClosing };
    if (args.length === 0) this.fail(pos, 'no arguments for aggregate expression provided');
    const withParam = AGG_WITH_PARAM.has(op);
    const desired = withParam ? 2 : 1;
    if (args.length !== desired) {
      this.fail(pos, `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`);
    }
    return { kind: 'aggregate', op, expr: args[desired - 1]!, param: withParam ? args[0] : undefined, grouping, without, pos };
  }

  /** `grouping_labels`: `( label, ... )`, trailing comma allowed. */
  private parseGroupingLabels(): string[] {
    const lp = this.peek();
    if (lp.type !== 'LEFT_PAREN') this.unexpected(lp, 'grouping opts', '"("');
    this.next();
    const labels: string[] = [];
    if (this.peek().type === 'RIGHT_PAREN') {
      this.next();
      return labels;
    }
    for (;;) {
      const t = this.peek();
      if (!MAYBE_LABEL.has(t.type)) this.unexpected(t, 'grouping opts', 'label');
      this.next();
      if (!isLabel(t.val)) this.unexpected(t, 'grouping opts', 'label');
      labels.push(t.val);
      const sep = this.peek();
      if (sep.type === 'RIGHT_PAREN') {
        this.next();
        return labels;
      }
      if (sep.type !== 'COMMA') this.unexpected(sep, 'grouping opts', '"," or ")"');
      this.next();
      if (this.peek().type === 'RIGHT_PAREN') {
        this.next();
        return labels;
      }
    }
  }

  /** `bin_modifier`: `[bool] [(on|ignoring) (labels) [(group_left|group_right) [(labels)]]]`. */
  private parseBinModifiers(): BinModifiers {
    let returnBool = false;
    if (this.peek().type === 'BOOL') {
      this.next();
      returnBool = true;
    }
    const matching: Mutable<VectorMatching> = { card: 'one-to-one', matchingLabels: [], on: false, include: [] };
    const t = this.peek();
    if (t.type === 'ON' || t.type === 'IGNORING') {
      this.next();
      matching.on = t.type === 'ON';
      matching.matchingLabels = this.parseGroupingLabels();
      const g = this.peek();
      if (g.type === 'GROUP_LEFT' || g.type === 'GROUP_RIGHT') {
        this.next();
        matching.card = g.type === 'GROUP_LEFT' ? 'many-to-one' : 'one-to-many';
        if (this.peek().type === 'LEFT_PAREN') matching.include = this.parseGroupingLabels();
      }
    }
    return { returnBool, matching };
  }
}

