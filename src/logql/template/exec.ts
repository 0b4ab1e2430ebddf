/**
 * The executor of Go's text/template (exec.go) over a parsed tree: a tree walk that keeps
 * Go's evaluation order, argument checking (`wrong type for value; expected int; got
 * int64`), variable scoping and error texts (`template: line:1:2: executing "line" at
 * <.a.b>: …`). Options are Loki's: `missingkey=zero`, so a missing label is "".
 *
 * Two nils are told apart because Go tells them apart: `null` is an invalid value (what a
 * pipeline yields for nil, printed `<no value>`); `undefined` is a nil `interface{}` read
 * out of a `fromJson` map or list, which a further `.field` reports as a nil pointer.
 */
import type { AnyNode, ArgNode, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode, PipeNode, TemplateNode, VariableNode } from './ast.js';
import { goQuote } from '../go-text.js';
import { nodeString } from './ast.js';
import { GoFuncError, TemplateExecError } from './errors.js';
import { sprint1 } from './go-fmt.js';
import { FUNCTIONS, paramTypeName, type FuncContext, type GoFunc, type ParamType } from './functions.js';
import { civil, formatTime, LOCAL, timeString, UTC } from './go-time.js';
import { GoInt, GoStruct, GoTime, LabelsValue, goInt, goTypeName, isGoNamed, isTrue, type GoValue } from './values.js';

/** The previous command's value is absent (Go's missingVal). */
const MISSING = Symbol('missing');
type Final = GoValue | typeof MISSING;

/** Unwinds a `{{break}}` / `{{continue}}` to the enclosing range. */
const BREAK = { loop: 'break' };
const CONTINUE = { loop: 'continue' };

interface Variable {
  readonly name: string;
  value: GoValue;
}

/**
 * How deep `{{template}}` calls may nest. Go allows 100000; a JS stack overflows long
 * before that, so a runaway recursion stops here with Go's message and this number.
 */
export const MAX_EXEC_DEPTH = 1000;

/** A template ready to run: its tree and the text positions refer to. */
export interface Program {
  /** The template's name (`executing "name"` in messages). */
  readonly name: string;
  readonly text: string;
  readonly root: ListNode;
  /** The name of the text it was parsed from, for error locations (Go's ParseName); defaults to `name`. */
  readonly parseName?: string;
}

/** What an execution may use besides its dot and functions. */
export interface ExecOptions {
  /** Named templates `{{template "x"}}` can call; none when absent. */
  readonly lookup?: (name: string) => Program | undefined;
  /**
   * Filters the text every action prints (the HTML escaping of Alertmanager's HTML
   * fields); `pipe` is the printing action's pipeline. Text outside actions is not filtered.
   */
  readonly escape?: (text: string, pipe: PipeNode) => string;
  /** Nesting depth of `{{template}}` calls (internal). */
  readonly depth?: number;
}

/** One execution; not reentrant, cheap to create. */
export class ExecState {
  out = '';
  private node: AnyNode | undefined;
  private readonly vars: Variable[];
  /** Whether the value evalField last returned came out of an interface map (Go then reports its static type as `interface {}`). */
  private fromIface = false;

  constructor(
    private readonly prog: Program,
    private readonly ctx: FuncContext,
    dot: GoValue,
    /** The function table; Loki's unless the caller brings its own (Prometheus's, for the ruler). */
    private readonly funcs: ReadonlyMap<string, GoFunc> = FUNCTIONS,
    private readonly options: ExecOptions = {},
  ) {
    this.vars = [{ name: '$', value: dot }];
  }

  // --- errors ---

  private errorf(msg: string): never {
    const { name, text } = this.prog;
    const parseName = this.prog.parseName ?? name;
    if (this.node === undefined) throw new TemplateExecError(`template: ${name}: ${msg}`);
    const pos = this.node.pos;
    const before = text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
    let line = 1;
    for (let i = 0; i < pos; i++) if (text.charCodeAt(i) === 0x0a) line++;
    throw new TemplateExecError(`template: ${parseName}:${line}:${col}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${msg}`);
  }

  private at(n: AnyNode): void {
    this.node = n;
  }

  // --- variables ---

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walk ---

  walk(dot: GoValue, node: Node): void {
    this.at(node);
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v, node.pipe);
        return;
      }
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'if':
      case 'with':
        this.walkIfOrWith(dot, node);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'template':
        this.walkTemplate(dot, node);
        return;
    }
  }

  /** Go's walkTemplate: the named template runs over the pipeline's value with only `$` defined. */
  private walkTemplate(dot: GoValue, t: TemplateNode): void {
    this.at(t);
    const tmpl = this.options.lookup?.(t.name);
    if (tmpl === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    const depth = this.options.depth ?? 0;
    if (depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    // Variables declared by the pipeline persist, as in Go.
    const value = t.pipe === undefined ? null : this.evalPipeline(dot, t.pipe);
    const inner = new ExecState(tmpl, this.ctx, value, this.funcs, { ...this.options, depth: depth + 1 });
    inner.walk(value, tmpl.root);
    this.out += inner.out;
  }

  private walkIfOrWith(dot: GoValue, node: BranchNode): void {
    const mark = this.mark();
    try {
      const v = this.evalPipeline(dot, node.pipe);
      if (isTrue(v)) this.walk(node.kind === 'with' ? v : dot, node.list);
      else if (node.elseList !== undefined) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: GoValue, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const one = (index: GoValue, elem: GoValue): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.vars[this.vars.length - 2]!.value = index;
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ran = false;
      if (Array.isArray(val)) {
        const list = val as readonly GoValue[];
        for (let i = 0; i < list.length; i++) {
          ran = true;
          if (!one(goInt(i), list[i] === null ? undefined : list[i])) break;
        }
      } else if (val instanceof Map) {
        for (const k of [...val.keys()].sort()) {
          ran = true;
          const e = val.get(k);
          if (!one(k, e === null ? undefined : e)) break;
        }
      } else if (val instanceof LabelsValue) {
        for (const [k, v] of val.sortedEntries()) {
          ran = true;
          if (!one(k, v)) break;
        }
      } else if (val instanceof GoInt) {
        if (decl.length > 1) this.errorf(`can't use ${sprint1(val)} to iterate over more than one variable`);
        for (let i = 0n; i < val.v; i++) {
          ran = true;
          if (!one(null, new GoInt(i, val.type))) break;
        }
      } else if (val !== null && val !== undefined) this.errorf(`range can't iterate over ${sprint1(val)}`);
      if (!ran && r.elseList !== undefined) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  // --- evaluation ---

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result is unwrapped to an invalid value, as Go does.
      if (value === undefined) value = null;
    }
    const v = value as GoValue;
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d.ident[0]!, v);
      else this.vars.push({ name: d.ident[0]!, value: v });
    }
    return v;
  }

  private notAFunction(args: readonly ArgNode[] | null, final: Final): void {
    if (args !== null && (args.length > 1 || final !== MISSING)) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0]!;
    switch (first.kind) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
        break;
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
    this.errorf(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private idealConstant(c: NumberNode): GoValue {
    this.at(c);
    const hexInt = /^0[xX]/.test(c.text) && !/[pP]/.test(c.text);
    if (c.isFloat && !hexInt && c.text[0] !== "'" && /[.eEpP]/.test(c.text)) return c.float64;
    if (c.isInt) return new GoInt(c.int64, 'int');
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return null;
  }

  private evalFieldNode(dot: GoValue, field: FieldNode, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, chain: ChainNode, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: GoValue, v: VariableNode, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: AnyNode, ident: readonly string[], args: readonly ArgNode[] | null, final: Final): GoValue {
    this.fromIface = false;
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(dot: GoValue, name: string, node: AnyNode, args: readonly ArgNode[] | null, final: Final, receiver: GoValue): GoValue {
    const fromIface = this.fromIface;
    this.fromIface = false;
    if (receiver === null) return null;
    if (receiver === undefined) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    // Methods come first, as Go looks up a method before a field or a map key.
    if (isGoNamed(receiver)) {
      const m = receiver.goMethod(name);
      if (m !== undefined) return this.evalCall(dot, m, node, name, args, final);
    }
    if (receiver instanceof GoStruct) {
      if (!receiver.fields.has(name)) this.errorf(`can't evaluate field ${name} in type ${receiver.goType}`);
      if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
      return receiver.fields.get(name)!;
    }
    if (receiver instanceof GoTime) {
      const m = TIME_METHODS.get(name);
      if (m !== undefined) return this.evalCall(dot, { params: m.params, call: (a) => m.call(receiver, a) }, node, name, args, final);
    }
    if (receiver instanceof LabelsValue) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      // missingkey=zero: a missing key reads as the zero string.
      return receiver.labels.get(name) ?? '';
    }
    if (receiver instanceof Map) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      const v = receiver.get(name);
      this.fromIface = true;
      return v === null ? undefined : v;
    }
    this.errorf(`can't evaluate field ${name} in type ${fromIface ? 'interface {}' : goTypeName(receiver)}`);
  }

  private evalFunction(dot: GoValue, node: IdentifierNode, cmd: AnyNode, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(node);
    const f = this.funcs.get(node.ident);
    if (f === undefined) this.errorf(`${JSON.stringify(node.ident)} is not a defined function`);
    return this.evalCall(dot, f, cmd, node.ident, args, final);
  }

  /** Go's evalCall: arity, argument conversion, the call, and `error calling` wrapping. */
  private evalCall(dot: GoValue, f: GoFunc, node: AnyNode, name: string, allArgs: readonly ArgNode[] | null, final: Final): GoValue {
    const nargs = allArgs === null ? 0 : allArgs.length - 1;
    const numIn = nargs + (final !== MISSING ? 1 : 0);
    const params = f.params;
    let numFixed = nargs;
    if (f.variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${nargs}`);
    } else if (numIn !== params.length) this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);

    if (f.shortCircuit === true) {
      const isOr = name === 'or';
      let v: GoValue = null;
      for (let i = 0; i < nargs; i++) {
        v = this.evalArg(dot, 'value', allArgs![i + 1]!);
        if (isTrue(v) === isOr) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }

    const argv: GoValue[] = new Array(numIn);
    let i = 0;
    for (; i < numFixed && i < nargs; i++) argv[i] = this.evalArg(dot, params[i]!, allArgs![i + 1]!);
    if (f.variadic !== undefined) for (; i < nargs; i++) argv[i] = this.evalArg(dot, f.variadic, allArgs![i + 1]!);
    if (final !== MISSING) {
      let t: ParamType;
      if (f.variadic === undefined) t = params[params.length - 1]!;
      else t = numIn - 1 < numFixed ? params[numIn - 1]! : f.variadic;
      argv[i] = this.validateType(final, t);
    }
    try {
      return f.call(argv, this.ctx);
    } catch (e) {
      if (!(e instanceof GoFuncError) && !(e instanceof Error && e.message.startsWith('error parsing regexp'))) throw e;
      this.at(node);
      this.errorf(`error calling ${name}: ${e.message}`);
    }
  }

  /** Go's validateType: the value must already be of the parameter's type (no conversions). */
  private validateType(value: GoValue, t: ParamType | null): GoValue {
    if (value === null) {
      if (t === null || t === 'any' || t === 'value') return null;
      this.errorf(`invalid value; expected ${paramTypeName(t)}`);
    }
    if (t === null || t === 'any' || t === 'value') return value;
    let ok: boolean;
    switch (t) {
      case 'string':
        ok = typeof value === 'string';
        break;
      case 'float64':
        ok = typeof value === 'number';
        break;
      case 'bool':
        ok = typeof value === 'boolean';
        break;
      case 'int':
        ok = value instanceof GoInt && value.type === 'int';
        break;
      case 'time':
        ok = value instanceof GoTime;
        break;
    }
    if (!ok) this.errorf(`wrong type for value; expected ${paramTypeName(t)}; got ${value === undefined ? 'interface {}' : goTypeName(value)}`);
    return value;
  }

  private evalArg(dot: GoValue, t: ParamType | null, n: ArgNode): GoValue {
    this.at(n);
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, t);
      case 'nil':
        if (t === null || t === 'any' || t === 'value') return null;
        this.errorf(`cannot assign nil to ${paramTypeName(t)}`);
        break;
      case 'field':
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), t);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), t);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), t);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), t);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), t);
    }
    switch (t) {
      case 'bool':
        if (n.kind === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
        break;
      case 'float64':
        if (n.kind === 'number' && n.isFloat) return n.float64;
        this.errorf(`expected float; found ${nodeString(n)}`);
        break;
      case 'int':
        if (n.kind === 'number' && n.isInt) return new GoInt(n.int64, 'int');
        this.errorf(`expected integer; found ${nodeString(n)}`);
        break;
      case 'string':
        if (n.kind === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
        break;
      case 'time':
        this.errorf(`can't handle ${nodeString(n)} for arg of type time.Time`);
        break;
    }
    // interface{} and reflect.Value take constants by their own syntax.
    switch (n.kind) {
      case 'bool':
        return n.value;
      case 'number':
        return this.idealConstant(n);
      case 'string':
        return n.text;
    }
  }

  private printValue(n: AnyNode, v: GoValue, pipe: PipeNode): void {
    this.at(n);
    let text: string;
    if (typeof v === 'string') text = v;
    else text = v === null || v === undefined ? '<no value>' : sprint1(v);
    this.out += this.options.escape === undefined ? text : this.options.escape(text, pipe);
  }
}

/** A method of `time.Time`: its parameters and body. */
interface TimeMethod {
  readonly params: readonly ParamType[];
  call(t: GoTime, args: GoValue[]): GoValue;
}

const method = (params: readonly ParamType[], call: TimeMethod['call']): TimeMethod => ({ params, call });

/** The `time.Time` methods a template can call on `__timestamp__`, `now`, `toDate`, …. */
const TIME_METHODS = new Map<string, TimeMethod>([
  ['Unix', method([], (t) => new GoInt(BigInt(t.sec), 'int64'))],
  ['UnixMilli', method([], (t) => new GoInt(BigInt(t.sec) * 1000n + BigInt(Math.floor(t.nsec / 1e6)), 'int64'))],
  ['UnixMicro', method([], (t) => new GoInt(BigInt(t.sec) * 1_000_000n + BigInt(Math.floor(t.nsec / 1e3)), 'int64'))],
  ['UnixNano', method([], (t) => new GoInt(BigInt.asIntN(64, BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec)), 'int64'))],
  ['Year', method([], (t) => goInt(civil(t).year))],
  ['Month', method([], (t) => goInt(civil(t).month, 'time.Month'))],
  ['Day', method([], (t) => goInt(civil(t).day))],
  ['Hour', method([], (t) => goInt(civil(t).hour))],
  ['Minute', method([], (t) => goInt(civil(t).minute))],
  ['Second', method([], (t) => goInt(civil(t).second))],
  ['Nanosecond', method([], (t) => goInt(t.nsec))],
  ['YearDay', method([], (t) => goInt(civil(t).yday))],
  ['Weekday', method([], (t) => goInt(civil(t).weekday, 'time.Weekday'))],
  ['Format', method(['string'], (t, a) => formatTime(t, a[0] as string))],
  ['String', method([], (t) => timeString(t))],
  ['UTC', method([], (t) => new GoTime(t.sec, t.nsec, UTC))],
  ['Local', method([], (t) => new GoTime(t.sec, t.nsec, LOCAL))],
  ['IsZero', method([], (t) => t.sec === -62135596800 && t.nsec === 0)],
]);
