/** Shared helpers for the parser tests: run a parser and collect what it emits. */
import type { LineParser, ParseFailure } from '../../../../src/logql/pipeline/parsers/index.js';

export interface Run {
  readonly fields: [string, string][];
  readonly failure: ParseFailure | undefined;
}

/** Runs `parser` over `line`, collecting the fields in emission order. */
export function run(parser: LineParser, line: string): Run {
  const fields: [string, string][] = [];
  const failure = parser.parse(line, (k, v) => fields.push([k, v]));
  return { fields, failure };
}

/** The message of the Error `f` throws, or undefined when it does not throw. */
export function thrown(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
