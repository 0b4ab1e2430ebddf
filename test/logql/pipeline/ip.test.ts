// Proves ip("…") patterns parse as Go's netip/netipx do and match addresses found inside a text, as Loki's scan finds them.
import { describe, expect, it } from 'vitest';
import { compileIPMatcher } from '../../../src/logql/pipeline/ip.js';

describe('compileIPMatcher', () => {
  const cases: { pattern: string; text: string; expected: boolean }[] = [
    { pattern: '192.168.0.0/16', text: '192.168.1.5', expected: true },
    { pattern: '192.168.0.0/16', text: '10.0.0.1', expected: false },
    { pattern: '10.0.0.0/8', text: 'client 10.0.0.7:80', expected: true },
    { pattern: '10.0.0.0/8', text: 'client 192.168.1.5:80', expected: false },
    { pattern: '192.168.1.5', text: '192.168.1.5', expected: true },
    { pattern: '192.168.1.5', text: '192.168.1.50', expected: false },
    { pattern: '192.168.1.1-192.168.1.9', text: 'x 192.168.1.5 y', expected: true },
    { pattern: '192.168.1.1-192.168.1.9', text: '192.168.1.10', expected: false },
    { pattern: '2001:db8::/32', text: '2001:db8::1', expected: true },
    { pattern: '2001:db8::/32', text: '192.168.1.5', expected: false },
    { pattern: '::1', text: 'from ::1 port', expected: true },
    { pattern: '0.0.0.0/0', text: 'notanip', expected: false },
    { pattern: '0.0.0.0/0', text: '', expected: false },
    { pattern: '1.2.3.0/24', text: 'a=1.2.3.4 b=5.6.7.8', expected: true },
    { pattern: '5.6.7.0/24', text: 'a=1.2.3.4 b=5.6.7.8', expected: true },
    // netip refuses leading zeros, so "01.2.3.4" is no address at all.
    { pattern: '0.0.0.0/0', text: '01.2.3.4', expected: false },
    { pattern: '::ffff:1.2.3.4', text: '::ffff:1.2.3.4', expected: true },
  ];
  it.each(cases)('$pattern on $text', ({ pattern, text, expected }) => {
    const m = compileIPMatcher(pattern);
    if (typeof m !== 'function') throw new Error(m.error);
    expect(m(text)).toBe(expected);
  });

  it.each(['bogus', '1.2.3', '1.2.3.4/33', '10.0.0.9-10.0.0.1', '1.2.3.4-::1', '1:2:3:4:5:6:7:8:9', '1::2::3'])(
    'refuses %s',
    (pattern) => {
      expect(compileIPMatcher(pattern)).toEqual({ error: `ip: invalid pattern: ${JSON.stringify(pattern)}` });
    },
  );
});
