// Proves that the Go fmt float formatting and time layouts behind templates match Go's output, and that the parser only ever throws TemplateParseError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateParseError } from '../../../src/logql/template/index.js';
import { formatFloat, sprintf } from '../../../src/logql/template/go-fmt.js';
import { formatTime, loadLocation, parseTime, timeString, UTC } from '../../../src/logql/template/go-time.js';
import { GoTime, goInt } from '../../../src/logql/template/values.js';

describe('strconv.FormatFloat', () => {
  it.each([
    [0.1, 'g', -1, '+0.1'],
    [1e21, 'g', -1, '+1e+21'],
    [100000, 'g', -1, '+100000'],
    [1e6, 'g', -1, '+1e+06'],
    [2 ** 64, 'g', -1, '+1.8446744073709552e+19'],
    [-0, 'g', -1, '-0'],
    [1, 'g', 3, '+1'],
    [123456, 'g', 3, '+1.23e+05'],
    [0.000123, 'g', 2, '+0.00012'],
    [2.5, 'f', 0, '+2'],
    [3.5, 'f', 0, '+4'],
    [1.005, 'f', 2, '+1.00'],
    [0, 'e', 3, '+0.000e+00'],
    [9.9999, 'e', 2, '+1.00e+01'],
    [5e-324, 'e', 3, '+4.941e-324'],
    [Infinity, 'f', 2, '+Inf'],
  ] as const)('%s %s %s', (x, verb, prec, expected) => {
    expect(formatFloat(x, verb, prec)).toBe(expected);
  });
});

describe('fmt.Sprintf', () => {
  it.each([
    ['%6.2f|', [3.14159], '  3.14|'],
    ['%-8v|', [goInt(42)], '42      |'],
    ['%08.3f', [-3.14159], '-003.142'],
    ['%+q', ['☺'], '"\\u263a"'],
    ['%5t|', [true], ' true|'],
    ['%!', [], '%!!(MISSING)'],
    ['%', [], '%!(NOVERB)'],
    ['%[3]d', [goInt(1)], '%!d(BADINDEX)'],
  ])('%j', (format, args, expected) => {
    expect(sprintf(format, args)).toBe(expected);
  });
});

describe('time layouts', () => {
  // 2006-01-02T15:04:05.123456789Z is Go's reference instant shifted to UTC.
  const ref = new GoTime(1136214245, 123456789, UTC);
  it.each([
    ['2006-01-02 15:04:05', '2006-01-02 15:04:05'],
    ['Mon Jan _2 15:04:05 MST 2006', 'Mon Jan  2 15:04:05 UTC 2006'],
    ['Monday, 02-Jan-06 03:04:05PM', 'Monday, 02-Jan-06 03:04:05PM'],
    ['2006-01-02T15:04:05.000Z07:00', '2006-01-02T15:04:05.123Z'],
    ['2006-01-02T15:04:05.999999999-0700', '2006-01-02T15:04:05.123456789+0000'],
    ['3:4:5 pm January 002 __2', '3:4:5 pm January 002   2'],
    ['.9 ,000000', '.1 ,123456'],
  ])('%j', (layout, expected) => {
    expect(formatTime(ref, layout)).toBe(expected);
  });

  it('formats in an IANA zone with its abbreviation', () => {
    const ny = loadLocation('America/New_York')!;
    expect(timeString(new GoTime(1136214245, 0, ny))).toBe('2006-01-02 10:04:05 -0500 EST');
  });

  it.each([
    ['2006-01-02', '2021-11-02', '2021-11-02 00:00:00 +0000 UTC'],
    ['2006-01-02T15:04:05Z07:00', '2021-11-02T10:00:00Z', '2021-11-02 10:00:00 +0000 UTC'],
    ['2006-01-02T15:04:05Z07:00', '2021-11-02T10:00:00-03:30', '2021-11-02 10:00:00 -0330 -0330'],
    ['2006-01-02 15:04:05', '2021-11-02 10:00:00.25', '2021-11-02 10:00:00.25 +0000 UTC'],
    ['Jan 2 2006 3:04PM', 'Feb 29 2024 1:05AM', '2024-02-29 01:05:00 +0000 UTC'],
    ['02/01/06', '31/12/99', '1999-12-31 00:00:00 +0000 UTC'],
  ])('parses %j %j', (layout, value, expected) => {
    expect(timeString(parseTime(layout, value, UTC)!)).toBe(expected);
  });

  it.each([
    ['2006-01-02', '2021-02-30'],
    ['2006-01-02', '2021-11-02x'],
    ['15:04', '25:00'],
    ['2006-01-02', 'garbage'],
  ])('refuses %j %j', (layout, value) => {
    expect(parseTime(layout, value, UTC)).toBeUndefined();
  });
});

describe('parser robustness', () => {
  it('only ever throws TemplateParseError', () => {
    const pieces = fc.constantFrom('{{', '}}', '{{-', '-}}', ' ', '.a', '$x', ':=', '=', '|', '(', ')', '"s"', '`r`', "'c'", '1', '1.5', 'if', 'else', 'end', 'range', 'with', 'break', 'upper', 'printf', 'nil', 'true', '/*', '*/', ',', '\n', 'x');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }), (parts) => {
        try {
          compileTemplate(parts.join(''));
        } catch (e) {
          if (!(e instanceof TemplateParseError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 42 },
    );
  });
});
