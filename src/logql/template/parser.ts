/**
 * The parser of Go's `text/template/parse` (parse.go), ported decision for decision so
 * that it accepts and refuses the same templates with the same messages
 * (`template: line:1: unexpected "}" in operand`). Functions are checked at parse time
 * against the names the engine defines, as Go does (`function "foo" not defined`).
 *
 * Named templates (`{{define}}`, `{{template}}`, `{{block}}`) are parsed by
 * `parseTemplateSet` only (Alertmanager's notification templates); `parseTemplate`, which
 * LogQL uses, keeps refusing them as before, since a one-template stage has no use for
 * them. Complex constants are not built; they fail with a parse error saying so.
 */
import { goQuote } from '../go-text.js';
import type { ActionNode, ArgNode, BranchNode, CommandNode, EndOrElseNode, FieldNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { isEmptyTree, nodeString } from './ast.js';
import { TemplateParseError } from './errors.js';
import { parseGoFloat, parseIntBase0, parseUintBase0, unquote, unquoteChar } from './go-strconv.js';
import { Item, Lexer, type Token } from './lexer.js';

/** Go's parser refuses deeper nesting of parentheses than this (maxStackDepth). */
const MAX_STACK_DEPTH = 10000;

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Go's `item.String()`. */
function tokenString(t: Token): string {
  if (t.typ === Item.eof) return 'EOF';
  if (t.typ === Item.error) return t.val;
  if (t.typ > Item.keyword) return `<${t.val}>`;
  const runes = [...t.val];
  if (runes.length > 10) return goQuote(runes.slice(0, 10).join('')) + '...';
  return goQuote(t.val);
}

type Parsed = Node | EndOrElseNode;

/** Parses a template; throws TemplateParseError with Go's text. Named templates are refused (LogQL). */
export function parseTemplate(name: string, text: string, hasFunction: (name: string) => boolean): ListNode {
  return new Parser(name, text, hasFunction, undefined).parse();
}

/** A parsed text with the templates it defines. */
export interface ParsedTemplateSet {
  /** The text outside any `{{define}}`. */
  readonly root: ListNode;
  /** `{{define}}` and `{{block}}` bodies by name, in order of appearance. */
  readonly defines: ReadonlyMap<string, ListNode>;
}

/**
 * Parses a text that may define named templates, as Go's `Template.Parse` does. Two
 * non-empty definitions of one name in the same text fail as in Go
 * (`template: multiple definition of template "x"`); an empty one never replaces a body.
 */
export function parseTemplateSet(name: string, text: string, hasFunction: (name: string) => boolean): ParsedTemplateSet {
  const defines = new Map<string, ListNode>();
  const root = new Parser(name, text, hasFunction, defines).parse();
  return { root, defines };
}

class Parser {
  private readonly lex: Lexer;
  private readonly token: Token[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;

  constructor(
    private readonly name: string,
    text: string,
    private readonly hasFunction: (name: string) => boolean,
    /** Where `{{define}}` and `{{block}}` bodies go; undefined refuses them (LogQL). */
    private readonly defines: Map<string, ListNode> | undefined,
  ) {
    this.lex = new Lexer(text, !hasFunction('break'), !hasFunction('continue'));
  }

  // --- token buffer (three-token lookahead) ---

  private next(): Token {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Token): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Token, t1: Token): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Token {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }
  private nextNonSpace(): Token {
    for (;;) {
      const t = this.next();
      if (t.typ !== Item.space) return t;
    }
  }
  private peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors ---

  private errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.name}:${this.token[0]?.line ?? 1}: ${msg}`);
  }
  private expect(expected: Item, context: string): Token {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }
  private unexpected(t: Token, context: string): never {
    if (t.typ === Item.error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        // Avoid "unclosed action in action".
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(t.val + extra);
    }
    this.errorf(`unexpected ${tokenString(t)} in ${context}`);
  }
  private unsupported(what: string): never {
    this.errorf(`${what} is not supported in LogQL templates`);
  }

  // --- named templates (Go's parseDefinition, templateControl, blockControl) ---

  /** Go's `parseTemplateName`: a quoted string. */
  private templateName(t: Token, context: string): string {
    if (t.typ !== Item.string && t.typ !== Item.rawString) this.unexpected(t, context);
    const s = unquote(t.val);
    if (s === undefined) this.errorf('invalid syntax');
    return s;
  }

  /** Parses a body up to its `{{end}}` as a tree of its own: fresh variables (`$` only), no enclosing range. */
  private body(context: string): ListNode {
    const vars = this.vars;
    const rangeDepth = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    try {
      const [list, end] = this.itemList();
      if (end.kind !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
      return list;
    } finally {
      this.vars = vars;
      this.rangeDepth = rangeDepth;
    }
  }

  /** Go's `Tree.add` within one parse: a second non-empty body of a name is an error. */
  private addDefinition(name: string, list: ListNode): void {
    const defines = this.defines!;
    const old = defines.get(name);
    if (old === undefined || isEmptyTree(old)) defines.set(name, list);
    else if (!isEmptyTree(list)) this.errorf(`template: multiple definition of template ${goQuote(name)}`);
  }

  private definition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.typ !== Item.string && t.typ !== Item.rawString) this.unexpected(t, context);
    const name = this.templateName(t, context);
    this.expect(Item.rightDelim, context);
    this.addDefinition(name, this.body(context));
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== Item.rightDelim) {
      this.backup();
      // Variables declared here persist until the enclosing {{end}}, as in an action.
      pipe = this.pipeline(context, Item.rightDelim);
    }
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    const pipe = this.pipeline(context, Item.rightDelim);
    this.addDefinition(name, this.body(context));
    return { kind: 'template', pos: t.pos, name, pipe };
  }

  // --- grammar ---

  parse(): ListNode {
    const root: ListNode = { kind: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== Item.eof) {
      if (this.peek().typ === Item.leftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === Item.define) {
          if (this.defines === undefined) this.unsupported('{{define}}');
          this.definition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n as Node);
    }
    return root;
  }

  private itemList(): [ListNode, EndOrElseNode] {
    const list: ListNode = { kind: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== Item.eof) {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n as Node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Parsed {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.text:
        return { kind: 'text', pos: t.pos, text: t.val };
      case Item.leftDelim:
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
    }
    this.unexpected(t, 'input');
  }

  private action(): Parsed {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.block:
        if (this.defines === undefined) this.unsupported('{{block}}');
        return this.blockControl();
      case Item.template:
        if (this.defines === undefined) this.unsupported('{{template}}');
        return this.templateControl();
      case Item.break:
        return this.loopControl('break', t);
      case Item.continue:
        return this.loopControl('continue', t);
      case Item.else:
        return this.elseControl();
      case Item.end:
        return { kind: 'end', pos: this.expect(Item.rightDelim, 'end').pos };
      case Item.if:
        return this.branch('if');
      case Item.range:
        return this.branch('range');
      case Item.with:
        return this.branch('with');
    }
    this.backup();
    const pos = this.peek().pos;
    // Variables declared here live until the enclosing {{end}}: do not pop them.
    const node: ActionNode = { kind: 'action', pos, pipe: this.pipeline('command', Item.rightDelim) };
    return node;
  }

  private loopControl(kind: 'break' | 'continue', t: Token): Node {
    const n = this.nextNonSpace();
    if (n.typ !== Item.rightDelim) this.unexpected(n, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { kind, pos: t.pos };
  }

  private elseControl(): EndOrElseNode {
    const peek = this.peekNonSpace();
    // "{{else if …" and "{{else with …" are read as "{{else}}{{if …": leave the keyword pending.
    if (peek.typ === Item.if || peek.typ === Item.with) return { kind: 'else', pos: peek.pos };
    return { kind: 'else', pos: this.expect(Item.rightDelim, 'else').pos };
  }

  private branch(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Item.rightDelim);
      if (context === 'range') this.rangeDepth++;
      const [list, firstEnd] = this.itemList();
      let next = firstEnd;
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.kind === 'else') {
        if (context === 'if' && this.peek().typ === Item.if) {
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.branch('if')] };
        } else if (context === 'with' && this.peek().typ === Item.with) {
          this.next();
          elseList = { kind: 'list', pos: next.pos, nodes: [this.branch('with')] };
        } else {
          [elseList, next] = this.itemList();
          if (next.kind !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { kind: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private pipeline(context: string, end: Item): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: token.pos, isAssign: false, decl: [], cmds: [] };
    // Declarations or assignments: "$x :=", "$x =", "$i, $e :=".
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== Item.variable) break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === Item.assign || next.typ === Item.declare) {
        pipe.isAssign = next.typ === Item.assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        break;
      }
      if (next.typ === Item.char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === Item.variable || p === Item.rightDelim || p === Item.rightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      if (tokenAfterVariable.typ === Item.space) this.backup3(v, tokenAfterVariable);
      else this.backup2(v);
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      switch (t.typ) {
        case end:
          this.checkPipeline(pipe, context);
          return pipe;
        case Item.bool:
        case Item.charConstant:
        case Item.complex:
        case Item.dot:
        case Item.field:
        case Item.identifier:
        case Item.number:
        case Item.nil:
        case Item.rawString:
        case Item.string:
        case Item.variable:
        case Item.leftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    // Only the first command of a pipeline may start with a non-executable operand.
    for (let i = 1; i < pipe.cmds.length; i++) {
      const k = pipe.cmds[i]!.args[0]!.kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') this.errorf(`non executable command in pipeline stage ${i + 1}`);
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { kind: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === Item.space) continue;
      if (t.typ === Item.rightDelim || t.typ === Item.rightParen) this.backup();
      else if (t.typ !== Item.pipe) this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ !== Item.field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === Item.field) fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos, ident: [...node.ident, ...fields] } satisfies FieldNode;
      case 'variable':
        return { kind: 'variable', pos, ident: [...node.ident, ...fields] } satisfies VariableNode;
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { kind: 'chain', pos, node, field: fields };
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case Item.identifier:
        if (!this.hasFunction(t.val)) this.errorf(`function ${goQuote(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, ident: t.val };
      case Item.dot:
        return { kind: 'dot', pos: t.pos };
      case Item.nil:
        return { kind: 'nil', pos: t.pos };
      case Item.variable: {
        const v = this.newVariable(t.pos, t.val);
        if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
        return v;
      }
      case Item.field:
        return { kind: 'field', pos: t.pos, ident: t.val.slice(1).split('.') };
      case Item.bool:
        return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case Item.charConstant:
      case Item.complex:
      case Item.number:
        return this.newNumber(t);
      case Item.leftParen: {
        if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', Item.rightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case Item.string:
      case Item.rawString: {
        const s = unquote(t.val);
        if (s === undefined) this.errorf('invalid syntax');
        return { kind: 'string', pos: t.pos, quoted: t.val, text: s };
      }
    }
    this.backup();
    return undefined;
  }

  private newVariable(pos: number, ident: string): VariableNode {
    return { kind: 'variable', pos, ident: ident.split('.') };
  }

  /** Go's `newNumber`: the constant under every type that can hold it. */
  private newNumber(t: Token): NumberNode {
    const text = t.val;
    const base = { kind: 'number' as const, pos: t.pos, text };
    if (t.typ === Item.charConstant) {
      const r = unquoteChar(text.slice(1), "'");
      if (r === undefined) this.errorf('invalid syntax');
      if (r.tail !== "'") this.errorf(`malformed character constant: ${text}`);
      return { ...base, isInt: true, isUint: true, isFloat: true, int64: BigInt(r.value), float64: r.value };
    }
    if (t.typ === Item.complex || text.endsWith('i')) this.unsupported('a complex constant');
    const u = parseUintBase0(text);
    const i = parseIntBase0(text);
    if (i !== undefined) return { ...base, isInt: true, isUint: i >= 0n, isFloat: true, int64: i, float64: Number(i) };
    if (u !== undefined) return { ...base, isInt: false, isUint: true, isFloat: true, int64: 0n, float64: Number(u) };
    const f = parseGoFloat(text);
    if (f !== undefined) {
      // A float-looking value without a point or exponent is an integer too large for int64.
      if (!/[.eEpP]/.test(text)) this.errorf(`integer overflow: ${goQuote(text)}`);
      const integral = Number.isInteger(f);
      const isInt = integral && BigInt(f) >= INT64_MIN && BigInt(f) <= INT64_MAX && f !== 2 ** 63;
      const isUint = integral && f >= 0 && f < 2 ** 64;
      return { ...base, isInt, isUint, isFloat: true, int64: isInt ? BigInt(f) : 0n, float64: f };
    }
    this.errorf(`illegal number syntax: ${goQuote(text)}`);
  }
}
