// Proves that every query of the upstream PromQL test scripts (../shared/conformance) parses:
// `eval` and `eval_ordered` queries must parse; `eval_fail` queries may be refused by the
// parser (only with a ParseError) or fail later, at evaluation.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatExpr, parseExpr, ParseError } from '../../../src/promql/parser/index.js';
import { stripSorted } from './helpers.js';
import { PROMQL_TESTDATA, promqlTestdataMissing } from '../../helpers/conformance.js';

const dir = PROMQL_TESTDATA;
const missing = promqlTestdataMissing('test/promql/parser/conformance.test.ts');

interface Query {
  file: string;
  line: number;
  command: string;
  expr: string;
}

function readQueries(): Query[] {
  if (!existsSync(dir)) return [];
  const out: Query[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
    readFileSync(`${dir}/${file}`, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = /^\s*(eval|eval_ordered|eval_fail)\s+instant\s+at\s+\S+\s+(.+)$/.exec(text);
        if (m !== null) out.push({ file, line: i + 1, command: m[1]!, expr: m[2]! });
      });
  }
  return out;
}

const queries = readQueries();
const mustParse = queries.filter((q) => q.command !== 'eval_fail');
const mayFail = queries.filter((q) => q.command === 'eval_fail');

describe.skipIf(missing !== '')('upstream PromQL test scripts', () => {
  it(`parses all ${mustParse.length} eval/eval_ordered queries and prints them back`, () => {
    const failures: string[] = [];
    for (const q of mustParse) {
      try {
        const e = parseExpr(q.expr);
        expect(stripSorted(parseExpr(formatExpr(e))), q.expr).toEqual(stripSorted(e));
      } catch (err) {
        failures.push(`${q.file}:${q.line}: ${q.expr}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(mustParse.length).toBeGreaterThan(500);
  });

  // Classified up front so the count can go in the test's name; checked inside the test.
  const outcomes = mayFail.map((q) => {
    try {
      parseExpr(q.expr);
      return { q, err: undefined as unknown };
    } catch (err) {
      return { q, err };
    }
  });
  const refused = outcomes.filter((o) => o.err !== undefined).length;

  it(`eval_fail: ${refused} of ${mayFail.length} refused by the parser, ${mayFail.length - refused} parse and fail at evaluation`, () => {
    for (const { q, err } of outcomes) {
      if (err !== undefined) expect(err, q.expr).toBeInstanceOf(ParseError);
    }
  });
});
