// Proves the value conversions match Go's strconv.ParseFloat, time.ParseDuration and go-humanize's ParseBytes, error texts included.
import { describe, expect, it } from 'vitest';
import { goParseBytes, goParseDuration, goParseFloat } from '../../src/logql/go-convert.js';

describe('goParseFloat', () => {
  const cases: { input: string; expected: number | { error: string } }[] = [
    { input: '200', expected: 200 },
    { input: '200.0', expected: 200 },
    { input: '-5', expected: -5 },
    { input: '+1.5e3', expected: 1500 },
    { input: '.5', expected: 0.5 },
    { input: '5.', expected: 5 },
    { input: 'Inf', expected: Infinity },
    { input: '-infinity', expected: -Infinity },
    { input: '0x1p-2', expected: 0.25 },
    { input: '0x1.8p1', expected: 3 },
    { input: 'oops', expected: { error: 'strconv.ParseFloat: parsing "oops": invalid syntax' } },
    { input: '', expected: { error: 'strconv.ParseFloat: parsing "": invalid syntax' } },
    { input: '0x10', expected: { error: 'strconv.ParseFloat: parsing "0x10": invalid syntax' } },
    { input: '1_000', expected: { error: 'strconv.ParseFloat: parsing "1_000": invalid syntax' } },
    { input: ' 1', expected: { error: 'strconv.ParseFloat: parsing " 1": invalid syntax' } },
    { input: '1e400', expected: { error: 'strconv.ParseFloat: parsing "1e400": value out of range' } },
  ];
  it.each(cases)('$input', ({ input, expected }) => {
    expect(goParseFloat(input)).toEqual(expected);
  });
  it('reads nan', () => expect(goParseFloat('NaN')).toBeNaN());
});

describe('goParseDuration', () => {
  const cases: { input: string; expected: number | { error: string } }[] = [
    { input: '2s', expected: 2e9 },
    { input: '500ms', expected: 5e8 },
    { input: '1h30m', expected: 5400e9 },
    { input: '1.5h', expected: 5400e9 },
    { input: '-5s', expected: -5e9 },
    { input: '3600000000000ns', expected: 3600e9 },
    { input: '3600000000us', expected: 3600e9 },
    { input: '3600000000\u00b5s', expected: 3600e9 },
    { input: '0', expected: 0 },
    { input: '.5s', expected: 5e8 },
    { input: '90', expected: { error: 'time: missing unit in duration "90"' } },
    { input: '1d', expected: { error: 'time: unknown unit "d" in duration "1d"' } },
    { input: 'oops', expected: { error: 'time: invalid duration "oops"' } },
    { input: 'nope', expected: { error: 'time: invalid duration "nope"' } },
    { input: '', expected: { error: 'time: invalid duration ""' } },
    { input: '.s', expected: { error: 'time: invalid duration ".s"' } },
  ];
  it.each(cases)('$input', ({ input, expected }) => {
    expect(goParseDuration(input)).toEqual(expected);
  });
});

describe('goParseBytes', () => {
  const cases: { input: string; expected: number | { error: string } }[] = [
    { input: '1KB', expected: 1000 },
    { input: '1KiB', expected: 1024 },
    { input: '1.5KB', expected: 1500 },
    { input: '1024', expected: 1024 },
    { input: '2Kb', expected: 2000 },
    { input: '2,048', expected: 2048 },
    { input: '1.5B', expected: 1 },
    { input: '3mb', expected: 3e6 },
    { input: '1PiB', expected: 1125899906842624 },
    { input: '25 MB', expected: 25e6 },
    { input: 'oops', expected: { error: 'strconv.ParseFloat: parsing "": invalid syntax' } },
    { input: '1XB', expected: { error: 'unhandled size name: xb' } },
  ];
  it.each(cases)('$input', ({ input, expected }) => {
    expect(goParseBytes(input)).toEqual(expected);
  });
});
