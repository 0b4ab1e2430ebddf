// Proves that every query in Loki's own LogQL test scripts (../shared/conformance/logql)
// parses and round-trips through the printer, and that the ones the scripts expect to fail
// with a parse-time message fail here with that message.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLogQL, parseLogQL } from '../../src/logql/index.js';

const ROOT = new URL('../../../shared/conformance/logql/', import.meta.url).pathname;
const DIRS = ['testdata', 'testdata-extra'].map((d) => join(ROOT, d)).filter((d) => existsSync(d));

interface EvalCase {
  readonly where: string;
  readonly query: string;
  /** undefined: must succeed; '': fails somehow; else the message the failure contains. */
  readonly fail?: string;
}

/** Messages of checks made while parsing (the others are raised while running). */
const PARSE_TIME = /syntax error|unexpected|expecting|invalid aggregation|parameter|unable to parse literal|not supported|grouping not allowed/;

/** The eval lines of a script, with the `expect fail` line that follows each, if any. */
function evalCases(file: string): EvalCase[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: EvalCase[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('eval ')) continue;
    const m = /^eval (?:instant at \S+|range from \S+ to \S+ step \S+|select from \S+ to \S+(?: (?:forward|backward))?(?: limit \d+)?) (.*)$/.exec(line);
    if (m === null) continue;
    let fail: string | undefined;
    for (let j = i + 1; j < lines.length && /^\s/.test(lines[j]!); j++) {
      const f = /^\s+expect fail(?: msg: (.*))?$/.exec(lines[j]!);
      if (f !== null) fail = f[1] ?? '';
    }
    // The lexer skips `#` comments, so trailing script comments can stay.
    out.push({ where: `${file.slice(ROOT.length)}:${i + 1}`, query: m[1]!, ...(fail !== undefined ? { fail } : {}) });
  }
  return out;
}

const cases = DIRS.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.logqltest'))
    .flatMap((f) => evalCases(join(d, f))),
);

if (cases.length === 0) console.log(`skipping the LogQL conformance queries: no scripts under ${ROOT} (the shared folder beside the project)`);

describe.skipIf(cases.length === 0)('queries of the LogQL conformance scripts', () => {
  it('found the scripts', () => {
    expect(cases.length).toBeGreaterThan(500);
  });

  const succeed = cases.filter((c) => c.fail === undefined || !PARSE_TIME.test(c.fail));
  it.each(succeed)('parses and round-trips $where', ({ query, fail }) => {
    let expr;
    try {
      expr = parseLogQL(query);
    } catch (e) {
      // A case expected to fail for an unstated or run-time reason may fail at parse time.
      if (fail !== undefined) return;
      throw e;
    }
    expect(parseLogQL(formatLogQL(expr))).toEqual(expr);
  });

  const parseFailures = cases.filter((c) => c.fail !== undefined && PARSE_TIME.test(c.fail));
  it.each(parseFailures)('refuses $where', ({ query, fail }) => {
    expect(() => parseLogQL(query)).toThrow(fail!.replaceAll('\\"', '"'));
  });
});
