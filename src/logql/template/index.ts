/**
 * Go's `text/template` as LogQL's `line_format` and `label_format` use it: Go's syntax and
 * error texts, Loki's function set (its own, Go's builtins and the allow-listed sprig
 * functions), Go's value printing, and Loki's `missingkey=zero` option.
 *
 * Compile once per query, execute per entry. Execution is a walk over a small tree; a
 * template made only of text and `{{.label}}` actions (the common case) runs as a
 * precomputed concatenation instead.
 */
import RE2 from 're2';
import { compileGoRegexp } from '../../model/matcher.js';
import { isEmptyTree, type ListNode, type PipeNode } from './ast.js';
import { TemplateExecError, TemplateParseError } from './errors.js';
import { ExecState, type ExecOptions, type Program } from './exec.js';
import { FUNCTIONS, type FuncContext, type GoFunc } from './functions.js';
import { timeFromMsNs } from './go-time.js';
import { parseTemplate, parseTemplateSet } from './parser.js';
import { LabelsValue, type GoTime, type GoValue, type TemplateLabels } from './values.js';

export { TemplateExecError, TemplateParseError };
export type { TemplateLabels };
export type { FuncContext, GoFunc } from './functions.js';
export type { GoValue } from './values.js';
export type { ListNode, PipeNode } from './ast.js';
export { GoStruct, isGoNamed, type GoNamed } from './values.js';

/**
 * What a template runs over. Loki passes the entry's labels as a `map[string]string`
 * (fields read them: `{{.app}}`); `__line__` and `__timestamp__` are functions returning
 * the line and the entry's time.
 */
export interface TemplateData {
  /** Every label of the entry at this stage; a `ReadonlyMap` works. Missing labels read as "". */
  readonly labels: TemplateLabels;
  /** The line as this stage sees it, for `{{__line__}}`. */
  readonly line: string;
  /** The entry's time in epoch milliseconds, for `{{__timestamp__}}`. */
  readonly tMs: number;
  /** Nanoseconds within that millisecond (0..999999), as the log store keeps them. */
  readonly tNs: number;
}

/** Options of `compileTemplate`. */
export interface TemplateOptions {
  /** Wall clock in epoch milliseconds for `now` (and sprig's `date` of a non-time); defaults to `Date.now`. */
  readonly nowMs?: () => number;
}

/** A parsed template. Execution is synchronous and keeps no state between calls except a cache of compiled regexps. */
export interface CompiledTemplate {
  /** The template's name in error messages (`line` for line_format, `label` for label_format). */
  readonly name: string;
  /**
   * Runs the template. Throws TemplateExecError with Go's text on a runtime error (Loki then
   * keeps the line and sets `__error__=TemplateFormatErr`, `__error_details__=<message>`).
   */
  execute(data: TemplateData): string;
  /** Label names the template reads as fields, in order of appearance, each once (Loki's RequiredLabelNames). */
  readonly fields: readonly string[];
}

/** Regexps compiled from one template's arguments; patterns are almost always constants, so this stays tiny. */
const REGEXP_CACHE_MAX = 64;

/**
 * Parses `text` as Go's text/template would, with Loki's functions defined. `name` is the
 * template name Go puts in messages: Loki uses `line` for line_format and `label` for
 * label_format. Throws TemplateParseError with Go's text (`template: line:1: unclosed action`).
 */
export function compileTemplate(text: string, name = 'line', options: TemplateOptions = {}): CompiledTemplate {
  const root = parseTemplate(name, text, (f) => FUNCTIONS.has(f));
  const prog: Program = { name, text, root };
  const nowMs = options.nowMs ?? Date.now;
  const regexps = new Map<string, RE2>();
  const regexp = (pattern: string): RE2 => {
    let re = regexps.get(pattern);
    if (re === undefined) {
      // A global copy: the replace and count loops search from lastIndex, as Go's searchPos.
      re = new RE2(compileGoRegexp(pattern), 'gu') as RE2;
      if (regexps.size >= REGEXP_CACHE_MAX) regexps.clear();
      regexps.set(pattern, re);
    }
    return re;
  };
  const fields = listFields(root);
  const simple = simpleParts(root);
  if (simple !== undefined) {
    return { name, fields, execute: (data) => runSimple(simple, data) };
  }
  // One context per template, refilled per entry: execution is synchronous and never nests.
  const ctx = new EntryContext(nowMs, regexp);
  return {
    name,
    fields,
    execute(data: TemplateData): string {
      ctx.reset(data);
      const dot = new LabelsValue(data.labels);
      const state = new ExecState(prog, ctx, dot);
      state.walk(dot, root);
      return state.out;
    },
  };
}

/** The per-entry facts functions see; `time` is built only when a template asks for it. */
class EntryContext implements FuncContext {
  line = '';
  private tMs = 0;
  private tNs = 0;

  constructor(
    readonly nowMs: () => number,
    readonly regexp: (pattern: string) => RE2,
  ) {}

  reset(data: TemplateData): void {
    this.line = data.line;
    this.tMs = data.tMs;
    this.tNs = data.tNs;
  }

  get time(): GoTime {
    return timeFromMsNs(this.tMs, this.tNs);
  }
}

/** Text and label names alternating: `[text, label, text, label, …]` (even indexes are text). */
type SimpleParts = readonly string[];

/** The parts of a template that is only text and `{{.label}}` actions, or undefined. */
function simpleParts(root: ListNode): SimpleParts | undefined {
  const parts: string[] = [''];
  for (const n of root.nodes) {
    if (n.kind === 'text') {
      parts[parts.length - 1] += n.text;
      continue;
    }
    if (n.kind !== 'action' || n.pipe.decl.length > 0 || n.pipe.cmds.length !== 1) return undefined;
    const args = n.pipe.cmds[0]!.args;
    if (args.length !== 1 || args[0]!.kind !== 'field' || args[0]!.ident.length !== 1) return undefined;
    parts.push(args[0]!.ident[0]!, '');
  }
  return parts;
}

function runSimple(parts: SimpleParts, data: TemplateData): string {
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += (data.labels.get(parts[i]!) ?? '') + parts[i + 1]!;
  return out;
}

/** Every field name in the tree (Loki's listNodeFields: all idents of `.a.b` chains). */
function listFields(root: ListNode): string[] {
  const seen = new Set<string>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    const node = n as { kind?: string; ident?: readonly string[] };
    if (node.kind === 'field') for (const i of node.ident!) seen.add(i);
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') visit(v);
    }
  };
  visit(root);
  return [...seen];
}

/** Options of `compileGoTemplate`. */
export interface GoTemplateOptions {
  /** Every function the template may call (Go's builtins included: take them from `FUNCTIONS`). */
  readonly functions: ReadonlyMap<string, GoFunc>;
  /** Wall clock in epoch milliseconds, for functions that ask `ctx.nowMs()`; defaults to `Date.now`. */
  readonly nowMs?: () => number;
}

/** A template compiled with a caller's function table; runs over any dot. */
export interface CompiledGoTemplate {
  readonly name: string;
  /** The parsed tree, for callers that look ahead (the ruler prefetches constant `query` arguments). */
  readonly root: ListNode;
  /** Runs the template over `dot` (`missingkey=zero`). Throws TemplateExecError with Go's text. */
  execute(dot: GoValue): string;
}

/**
 * Parses `text` as Go's text/template with the given function table instead of Loki's,
 * for callers that are not LogQL (the ruler's Prometheus templates). Throws
 * TemplateParseError with Go's text; `function "x" not defined` names functions missing
 * from the table.
 */
export function compileGoTemplate(text: string, name: string, options: GoTemplateOptions): CompiledGoTemplate {
  const { functions } = options;
  const root = parseTemplate(name, text, (f) => functions.has(f));
  const prog: Program = { name, text, root };
  const regexps = new Map<string, RE2>();
  const regexp = (pattern: string): RE2 => {
    let re = regexps.get(pattern);
    if (re === undefined) {
      re = new RE2(compileGoRegexp(pattern), 'gu') as RE2;
      if (regexps.size >= REGEXP_CACHE_MAX) regexps.clear();
      regexps.set(pattern, re);
    }
    return re;
  };
  const ctx = new EntryContext(options.nowMs ?? Date.now, regexp);
  return {
    name,
    root,
    execute(dot: GoValue): string {
      const state = new ExecState(prog, ctx, dot, functions);
      state.walk(dot, root);
      return state.out;
    },
  };
}

/** Options of one `GoTemplateSet.execute`. */
export interface GoExecuteOptions {
  /** Filters what every action prints (Alertmanager's HTML escaping); see ExecOptions. */
  readonly escape?: (text: string, pipe: PipeNode) => string;
}

/**
 * Go's `*template.Template` with its associated templates: texts parsed into one
 * namespace, where `{{define}}`/`{{block}}` add named templates that `{{template}}` calls
 * and each text's top level becomes the template named after it. A later definition
 * replaces an earlier one, except that an empty body never replaces a non-empty one
 * (Go's `associate`). Uses `missingkey=zero`, as the single-template API.
 *
 * Not safe to `parse` while an `execute` runs (execution is synchronous, so this only
 * matters inside a template function).
 */
export class GoTemplateSet {
  private readonly programs = new Map<string, Program>();
  private readonly ctx: EntryContext;

  /** An empty set; `parent` (for `overlay`) answers the names this set lacks. */
  constructor(
    private readonly options: GoTemplateOptions,
    private readonly parent?: GoTemplateSet,
  ) {
    const regexps = new Map<string, RE2>();
    this.ctx = new EntryContext(options.nowMs ?? Date.now, (pattern) => {
      let re = regexps.get(pattern);
      if (re === undefined) {
        re = new RE2(compileGoRegexp(pattern), 'gu') as RE2;
        if (regexps.size >= REGEXP_CACHE_MAX) regexps.clear();
        regexps.set(pattern, re);
      }
      return re;
    });
  }

  /**
   * Parses `text` into the set under `name` (Go's `t.New(name).Parse(text)`). Throws
   * TemplateParseError with Go's text (`template: name:3: unexpected EOF`); on error the set
   * is unchanged.
   */
  parse(name: string, text: string): void {
    const parsed = parseTemplateSet(name, text, (f) => this.options.functions.has(f));
    this.associate({ name, text, root: parsed.root, parseName: name });
    for (const [def, root] of parsed.defines) this.associate({ name: def, text, root, parseName: name });
  }

  private associate(p: Program): void {
    const old = this.lookup(p.name);
    if (old !== undefined && isEmptyTree(p.root)) return;
    this.programs.set(p.name, p);
  }

  /** A new set over this one: its own parses shadow this set's templates, which stay unchanged. */
  overlay(): GoTemplateSet {
    return new GoTemplateSet(this.options, this);
  }

  /** The template named `name`, from this set or its parent. */
  lookup(name: string): Program | undefined {
    return this.programs.get(name) ?? this.parent?.lookup(name);
  }

  /**
   * Runs template `name` over `dot`. Throws TemplateExecError with Go's text, or
   * `template: no template "x" associated with template ""` for an unknown name.
   */
  execute(name: string, dot: GoValue, options: GoExecuteOptions = {}): string {
    const prog = this.lookup(name);
    if (prog === undefined) throw new TemplateExecError(`template: no template ${JSON.stringify(name)} associated with template ""`);
    const exec: ExecOptions = { lookup: (n) => this.lookup(n), escape: options.escape };
    const state = new ExecState(prog, this.ctx, dot, this.options.functions, exec);
    state.walk(dot, prog.root);
    return state.out;
  }
}
