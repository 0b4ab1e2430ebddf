// Proves that no parser throws or loops on arbitrary lines: failures are returned, never raised.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileLinePattern, decolorize, jsonExpressionParser, jsonParser, logfmtExpressionParser, logfmtParser, patternParser, regexpParser, unpackParser,
  type LineParser,
} from '../../../../src/logql/pipeline/parsers/index.js';

/** Lines made mostly of the characters these grammars care about, so the scanners' branches are hit. */
const line = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', ' ', 'a', '1', 'u', 'n', 't', '=', '.', '-', '\u001b', 'é') }),
  fc.json(),
);

const parsers: [string, LineParser][] = [
  ['json', jsonParser()],
  ['json expr', jsonExpressionParser([{ label: 'a', expression: 'a' }, { label: 'b', expression: 'b[0].c' }, { label: 'c', expression: '[1]' }])],
  ['logfmt', logfmtParser({ strict: false, keepEmpty: true })],
  ['logfmt strict', logfmtParser({ strict: true, keepEmpty: false })],
  ['logfmt expr', logfmtExpressionParser([{ label: 'a', expression: 'a' }], { strict: true, keepEmpty: false })],
  ['regexp', regexpParser('(?P<a>\\w+)=(?P<b>\\S*)')],
  ['pattern', patternParser('<a> "<b>" <_>')],
];

describe('parsers on arbitrary lines', () => {
  for (const [name, p] of parsers) {
    it(`${name} returns instead of throwing`, () => {
      fc.assert(fc.property(line, (l) => {
        const r = p.parse(l, (k, v) => {
          expect(typeof k).toBe('string');
          expect(typeof v).toBe('string');
        });
        expect(r === undefined || typeof r.details === 'string').toBe(true);
      }), { numRuns: 2000 });
    });
  }

  it('unpack, the line filter and decolorize return', () => {
    const test = compileLinePattern('<_> a <_>');
    fc.assert(fc.property(line, (l) => {
      expect(typeof unpackParser().parse(l, () => {}).line).toBe('string');
      expect(typeof test(l)).toBe('boolean');
      expect(typeof decolorize(l)).toBe('string');
    }), { numRuns: 2000 });
  });
});
