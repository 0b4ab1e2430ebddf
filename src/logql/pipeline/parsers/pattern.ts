/**
 * `| pattern "<ip> - <_> [<ts>] \"<method> <path> <_>\""` (Loki's `PatternParser` and
 * `pattern.Matcher.Matches`). Matching is anchored at the start: a leading literal must
 * begin the line. Each capture then runs up to the next occurrence of the literal that
 * follows it (lazily); a trailing capture takes the rest of the line. When a literal is
 * not found, the capture before it takes the rest and matching stops, so a short line
 * fills only the leading captures. Unmatched lines yield nothing.
 */
import { parsePatternExpr, validatePatternExpr, type PatternNode } from './pattern-expr.js';
import type { FieldSink, LineParser, ParseFailure, ParseOptions } from './types.js';

/** A capture followed by the literal that ends it (undefined for a trailing capture). */
interface Step {
  /** The field name, or undefined for `<_>`. */
  readonly name: string | undefined;
  readonly until: string | undefined;
}

/** The compiled form: an optional leading literal, then capture/literal steps. */
interface CompiledPattern {
  readonly prefix: string;
  readonly steps: readonly Step[];
}

function compile(nodes: readonly PatternNode[]): CompiledPattern {
  let k = 0;
  let prefix = '';
  if (nodes[0]?.kind === 'literal') {
    prefix = nodes[0].text;
    k = 1;
  }
  const steps: Step[] = [];
  // Validation guarantees capture, literal, capture, … from here on.
  for (; k < nodes.length; k += 2) {
    const cap = nodes[k]!;
    const lit = nodes[k + 1];
    if (cap.kind !== 'capture' || (lit !== undefined && lit.kind !== 'literal')) throw new Error('BUG: pattern nodes do not alternate');
    steps.push({ name: cap.name === '_' ? undefined : cap.name, until: lit?.kind === 'literal' ? lit.text : undefined });
  }
  return { prefix, steps };
}

/**
 * Compiles `| pattern`. Throws an Error with Loki's text: `at least one capture is
 * required`, `found consecutive capture '<a><b>': invalid expression`, `duplicate capture
 * name (a): invalid expression`, or the parse error of an empty pattern.
 */
export function patternParser(pattern: string): LineParser {
  const nodes = parsePatternExpr(pattern);
  validatePatternExpr(nodes);
  const { prefix, steps } = compile(nodes);
  return {
    parse(line: string, sink: FieldSink, options?: ParseOptions): ParseFailure | undefined {
      if (line.length === 0) return undefined;
      if (prefix.length > 0 && !line.startsWith(prefix)) return undefined;
      const wanted = options?.wanted;
      const emit = (name: string | undefined, value: string): void => {
        if (name !== undefined && (wanted === undefined || wanted(name))) sink(name, value);
      };
      let pos = prefix.length;
      for (const step of steps) {
        if (step.until === undefined) {
          emit(step.name, line.slice(pos));
          return undefined;
        }
        const at = line.indexOf(step.until, pos);
        if (at === -1) {
          emit(step.name, line.slice(pos));
          return undefined;
        }
        emit(step.name, line.slice(pos, at));
        pos = at + step.until.length;
      }
      return undefined;
    },
  };
}
