/**
 * The stage runners of a pipeline. A stage is compiled once per query (regexes, templates,
 * parsers) and bound once per stream to that stream's entry state, so the per-entry call
 * is a closure over prebuilt objects with no allocation of its own. A runner returns false
 * to drop the entry.
 */
import type { DropStage, KeepStage, LabelFormatStage, LineFormatStage, LabelSelection } from '../ast.js';
import { newMatcher, type Matcher } from '../../model/matcher.js';
import { badData } from '../../util/errors.js';
import { compileTemplate, TemplateExecError, TemplateParseError } from '../template/index.js';
import {
  Category,
  ERR_TEMPLATE_FORMAT,
  ERROR_DETAILS_LABEL,
  ERROR_LABEL,
  type LabelsBuilder,
} from './labels-builder.js';

/** What the stages of one stream share while one entry runs through them. */
export interface EntryState {
  /** The current line: `line_format`, `decolorize` and `unpack` replace it. */
  line: string;
  tMs: number;
  tNs: number;
  readonly b: LabelsBuilder;
}

/** A stage bound to one stream's state; false drops the entry. */
export type StageRunner = () => boolean;

/** A compiled stage, ready to bind to streams. */
export interface CompiledStage {
  bind(state: EntryState): StageRunner;
}

/** The labels a template sees: every current label, `__error__` included, as Loki's `IntoMap`. */
function labelsMap(b: LabelsBuilder): Map<string, string> {
  const m = new Map<string, string>();
  b.forEach((name, value) => m.set(name, value));
  return m;
}

/** The message of a template compile error, for Loki's wrapping. */
function templateCompileMessage(e: unknown): string {
  if (e instanceof TemplateParseError) return e.message;
  throw e;
}

/**
 * `| line_format "…"`. The template sees the labels and `__line__`/`__timestamp__`; a run
 * failure keeps the line and sets `TemplateFormatErr` with the failure as details.
 * Throws a 400 (`invalid line template: …`) when the template does not compile.
 */
export function lineFormatStage(stage: LineFormatStage): CompiledStage {
  let tmpl: ReturnType<typeof compileTemplate>;
  try {
    tmpl = compileTemplate(stage.template, 'line');
  } catch (e) {
    throw badData('invalid_template', `invalid line template: ${templateCompileMessage(e)}`);
  }
  return {
    bind: (s) => () => {
      try {
        s.line = tmpl.execute({ labels: labelsMap(s.b), line: s.line, tMs: s.tMs, tNs: s.tNs });
      } catch (e) {
        if (!(e instanceof TemplateExecError)) throw e;
        s.b.setError(ERR_TEMPLATE_FORMAT, e.message);
      }
      return true;
    },
  };
}

interface LabelFormatOp {
  readonly name: string;
  readonly rename: string | undefined;
  readonly tmpl: ReturnType<typeof compileTemplate> | undefined;
}

/**
 * `| label_format dst=src, dst="{{…}}"`. A rename moves the source's value (keeping its
 * category) and deletes the source; a template sets a parsed label. Templates see the
 * labels as they were when the stage's first template ran. Each name may appear once per
 * stage and `__error__` not at all (Loki's compile errors).
 */
export function labelFormatStage(stage: LabelFormatStage): CompiledStage {
  const seen = new Set<string>();
  const ops: LabelFormatOp[] = [];
  for (const f of stage.formats) {
    if (f.name === ERROR_LABEL) throw badData('invalid_label_format', `${f.name} cannot be formatted`);
    if (seen.has(f.name)) {
      throw badData('invalid_label_format', `multiple label name '${f.name}' not allowed in a single format operation`);
    }
    seen.add(f.name);
    if (f.rename) {
      ops.push({ name: f.name, rename: f.value, tmpl: undefined });
      continue;
    }
    try {
      ops.push({ name: f.name, rename: undefined, tmpl: compileTemplate(f.value, 'label') });
    } catch (e) {
      throw badData('invalid_template', `invalid template for label '${f.name}': ${templateCompileMessage(e)}`);
    }
  }
  return {
    bind: (s) => () => {
      const b = s.b;
      let data: Map<string, string> | undefined;
      for (const op of ops) {
        if (op.rename !== undefined) {
          const v = b.get(op.rename);
          if (v !== undefined) {
            b.set(b.categoryOf(op.rename) ?? Category.Parsed, op.name, v);
            b.del(op.rename);
          }
          continue;
        }
        data ??= labelsMap(b);
        try {
          b.set(Category.Parsed, op.name, op.tmpl!.execute({ labels: data, line: s.line, tMs: s.tMs, tNs: s.tNs }));
        } catch (e) {
          if (!(e instanceof TemplateExecError)) throw e;
          b.setError(ERR_TEMPLATE_FORMAT, e.message);
        }
      }
      return true;
    },
  };
}

interface Selection {
  readonly name: string;
  readonly matcher: Matcher | undefined;
}

function compileSelections(labels: readonly LabelSelection[]): Selection[] {
  return labels.map((l) =>
    l.matcher === undefined
      ? { name: l.name, matcher: undefined }
      : { name: l.matcher.name, matcher: newMatcher(l.matcher.type, l.matcher.name, l.matcher.value) },
  );
}

/**
 * `| drop a, b="v"`: removes the named labels, or those whose value matches. Dropping
 * `__error__` or `__error_details__` clears the error.
 */
export function dropStage(stage: DropStage): CompiledStage {
  const sels = compileSelections(stage.labels);
  return {
    bind: (s) => () => {
      const b = s.b;
      for (const sel of sels) {
        if (sel.name === ERROR_LABEL) {
          if (sel.matcher === undefined || sel.matcher.matches(b.err)) b.err = '';
        } else if (sel.name === ERROR_DETAILS_LABEL) {
          if (sel.matcher === undefined || sel.matcher.matches(b.errDetails)) b.errDetails = '';
        } else if (sel.matcher === undefined) {
          if (b.get(sel.name) !== undefined) b.del(sel.name);
        } else if (sel.matcher.matches(b.get(sel.name) ?? '')) {
          b.del(sel.name);
        }
      }
      return true;
    },
  };
}

/**
 * `| keep a, b="v"`: removes every label not listed (or listed with a matcher its value
 * fails). The error labels always stay.
 */
export function keepStage(stage: KeepStage): CompiledStage {
  const sels = compileSelections(stage.labels);
  const keeps = (name: string, value: string): boolean => {
    for (const sel of sels) {
      if (sel.name !== name) continue;
      if (sel.matcher === undefined || sel.matcher.matches(value)) return true;
    }
    return false;
  };
  return {
    bind: (s) => {
      const doomed: string[] = [];
      return () => {
        const b = s.b;
        doomed.length = 0;
        b.forEach((name, value) => {
          if (name === ERROR_LABEL || name === ERROR_DETAILS_LABEL) return;
          if (!keeps(name, value)) doomed.push(name);
        });
        for (const name of doomed) b.del(name);
        return true;
      };
    },
  };
}
