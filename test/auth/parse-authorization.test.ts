import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthorization, parseAuthorizationInGeneral } from '../../src/auth/authorize.js';

/** The outcome of a parse: its fields, or the thrown error's reason. */
function outcome(parse: (h: string | undefined) => unknown, header: string | undefined): unknown {
  try {
    return { ok: parse(header) };
  } catch (err) {
    return { err: (err as { reason?: string }).reason };
  }
}

describe('parseAuthorization', () => {
  it.each([
    ['Bearer abc', { token: 'abc' }],
    ['Bearer a b', { token: 'a b' }],
    ['Bearer  abc', { token: 'abc' }],
    ['bearer abc', { token: 'abc' }],
    ['Bearer abc ', { token: 'abc' }],
    ['Bearer abc\u00a0', { token: 'abc' }],
    [`Basic ${Buffer.from('t1:secret').toString('base64')}`, { token: 'secret', basicUser: 't1' }],
    ['', {}],
    [undefined, {}],
  ])('%j → %j', (header, want) => {
    expect(parseAuthorization(header)).toEqual(want);
  });

  it.each([['Bearer a\nb'], ['Bearer'], ['Token abc']])('%j is refused as by the general pattern', (header) => {
    expect(() => parseAuthorization(header)).toThrow();
    expect(outcome(parseAuthorization, header)).toEqual(outcome(parseAuthorizationInGeneral, header));
  });

  it('the Bearer fast path answers as the general pattern for any header', () => {
    const piece = fc.constantFrom('Bearer', 'bearer', 'Basic', ' ', '  ', '\t', '\n', '\r', '\u00a0', '\u2028', '\ufeff', 'abc', 'x:y', '=', 'dG46eA==');
    const header = fc.oneof(
      fc.array(piece, { maxLength: 6 }).map((p) => p.join('')),
      fc.tuple(fc.array(piece, { maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 12 })).map(([p, s]) => `Bearer ${p.join('')}${s}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        expect(outcome(parseAuthorization, h)).toEqual(outcome(parseAuthorizationInGeneral, h));
      }),
      { numRuns: 3000 },
    );
  });
});
