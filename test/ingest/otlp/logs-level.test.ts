// Proves that detected_level is worked out as Loki 3's distributor does it
// (pkg/distributor/field_detection.go and its tests): labels, metadata, severity number, line.
import { describe, expect, it } from 'vitest';
import { detectLevel, levelFromLine, levelFromSeverityNumber, normalizeLevel } from '../../../src/ingest/otlp/logs-level.js';

describe('levelFromLine', () => {
  it.each([
    ['{"level":"ERROR","msg":"x"}', 'error'],
    ['{"msg":"x","severity":"Warning"}', 'warn'],
    ['{"a":{"lvl":"dbg"}}', 'debug'],
    // Depth 2 is beyond Loki's default log_level_from_json_max_depth: the words decide.
    ['{"a":{"b":{"level":"error"}}}', 'unknown'],
    ['{"level":"notice","msg":"an info line"}', 'info'],
    ['  {"LEVEL":"fatal"}  ', 'fatal'],
    ['{"level": 3}', 'unknown'],
    ['{broken json, error}', 'unknown'],
    ['level=warn msg="x"', 'warn'],
    ['ts=1 severity=error level=info', 'info'],
    ['ts=1 severity=error lvl=debug', 'error'],
    ['msg="quoted \\"x\\"" LeVeL=CRITICAL', 'critical'],
    ['a=b c="unterminated level=error', 'unknown'],
    ['x=1 y=2', 'unknown'],
    ['x=1 something went wrong [ERROR]', 'error'],
    ['plain info text', 'info'],
    ['this is a warning', 'warn'],
    ['[critical] disk', 'critical'],
    ['DEBUG: details', 'debug'],
    ['error without brackets', 'unknown'],
    ['', 'unknown'],
  ])('%j → %s', (line, expected) => {
    expect(levelFromLine(line)).toBe(expected);
  });
});

describe('levelFromSeverityNumber', () => {
  it.each([
    ['0', 'unknown'], ['1', 'trace'], ['4', 'trace'], ['5', 'debug'], ['8', 'debug'], ['9', 'info'], ['12', 'info'],
    ['13', 'warn'], ['16', 'warn'], ['17', 'error'], ['20', 'error'], ['21', 'fatal'], ['24', 'fatal'], ['25', 'unknown'],
    ['-3', 'trace'], ['x', 'info'], ['1.5', 'info'],
  ])('%s → %s', (n, expected) => {
    expect(levelFromSeverityNumber(n)).toBe(expected);
  });
});

describe('normalizeLevel', () => {
  it.each([
    ['TRC', 'trace'], ['Dbg', 'debug'], ['Information', 'info'], ['WRN', 'warn'], ['warning', 'warn'], ['ERR', 'error'],
    ['Critical', 'critical'], ['FATAL', 'fatal'], ['notice', 'notice'], ['', ''],
  ])('%s → %s', (v, expected) => {
    expect(normalizeLevel(v)).toBe(expected);
  });
});

describe('detectLevel', () => {
  const L = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));
  it.each<{ name: string; labels: Record<string, string>; metadata: Record<string, string>; line: string; add: string }>([
    { name: 'stream label first', labels: { level: 'WARN' }, metadata: { severity_text: 'ERROR' }, line: 'x', add: 'warn' },
    { name: 'then metadata in field order', labels: {}, metadata: { severity_text: 'ERROR', lvl: 'info' }, line: 'x', add: 'info' },
    { name: 'then severity_number', labels: {}, metadata: { severity_number: '14' }, line: 'an error', add: 'warn' },
    { name: 'an empty severity_number falls through to the line', labels: {}, metadata: { severity_number: '' }, line: '[ERROR] x', add: 'error' },
    { name: 'an unknown word is kept as it is', labels: {}, metadata: { severity_text: 'Notice' }, line: 'x', add: 'Notice' },
  ])('$name', ({ labels, metadata, line, add }) => {
    expect(detectLevel(L(labels), L(metadata), line)).toEqual({ add: { name: 'detected_level', value: add } });
  });

  it('normalises an existing detected_level in place', () => {
    expect(detectLevel([], L({ a: '1', detected_level: 'WRN' }), 'x')).toEqual({ normalized: L({ a: '1', detected_level: 'warn' }) });
    expect(detectLevel([], L({ detected_level: 'warn' }), 'x')).toEqual({});
  });
});
