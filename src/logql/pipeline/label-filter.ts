/**
 * Label filters (Loki's `pkg/logql/log/label_filter.go` and `ip.go`), compiled to tests
 * over a LabelsBuilder. The rules that decide which lines survive and which errors
 * surface, all from Loki:
 *
 * - A string matcher reads an absent label as "" and is the only filter that reads
 *   `__error__`; it decides even on a line that already has an error.
 * - A number, duration or bytes filter drops a line without the label. When the value
 *   does not convert, it keeps the line and sets `LabelFilterErr` with Go's error text,
 *   unless an earlier stage already set an error (the first error wins).
 * - An `ip()` filter keeps every line that already has an error, drops a line without
 *   the label, and otherwise matches addresses inside the value.
 * - `or` skips its right side when the left side keeps the line; `and` runs both sides
 *   (so the right side may still set an error on a line the left side dropped).
 */
import type { CompareOp, LabelFilter } from '../ast.js';
import { newMatcher } from '../../model/matcher.js';
import { badData } from '../../util/errors.js';
import { goParseBytes, goParseDuration, goParseFloat, type ConvertError } from '../go-convert.js';
import { compileIPMatcher } from './ip.js';
import { ERR_LABEL_FILTER, ERROR_LABEL, type LabelsBuilder } from './labels-builder.js';

/** A compiled label filter: true keeps the line. May set the builder's error. */
export type LabelTest = (b: LabelsBuilder) => boolean;

function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

/** A converting filter: absent label drops, a failed conversion keeps and marks the line. */
function convertingTest(name: string, op: CompareOp, literal: number, convert: (v: string) => number | ConvertError): LabelTest {
  return (b) => {
    const v = b.get(name);
    if (v === undefined) return false;
    const x = convert(v);
    if (typeof x !== 'number') {
      if (b.err === '') b.setError(ERR_LABEL_FILTER, x.error);
      return true;
    }
    return compare(op, x, literal);
  };
}

/** Compiles a label filter. Throws a `bad_data` CairnError for an invalid regex or IP pattern. */
export function compileLabelFilter(f: LabelFilter): LabelTest {
  switch (f.kind) {
    case 'string': {
      const m = newMatcher(f.matcher.type, f.matcher.name, f.matcher.value);
      const name = f.matcher.name;
      if (name === ERROR_LABEL) return (b) => m.matches(b.err);
      return (b) => m.matches(b.get(name) ?? '');
    }
    case 'number':
      return convertingTest(f.name, f.op, f.value, goParseFloat);
    case 'duration':
      return convertingTest(f.name, f.op, f.valueNs, goParseDuration);
    case 'bytes':
      return convertingTest(f.name, f.op, f.bytes, goParseBytes);
    case 'ip': {
      const ip = compileIPMatcher(f.pattern);
      if (typeof ip !== 'function') throw badData('invalid_ip_filter', ip.error);
      const name = f.name;
      const negate = f.op === '!=';
      return (b) => {
        if (b.err !== '') return true;
        const v = b.get(name);
        if (v === undefined) return false;
        return ip(v) !== negate;
      };
    }
    case 'and': {
      const left = compileLabelFilter(f.left);
      const right = compileLabelFilter(f.right);
      return (b) => {
        const l = left(b);
        const r = right(b);
        return l && r;
      };
    }
    case 'or': {
      const left = compileLabelFilter(f.left);
      const right = compileLabelFilter(f.right);
      return (b) => left(b) || right(b);
    }
  }
}
