// Proves that label keys are sanitised as Loki's sanitizeLabelKey does and that decolorize strips
// what Loki's stripansi pattern strips.
import { describe, expect, it } from 'vitest';
import { decolorize, isValidLabelName, sanitizeLabelKey } from '../../../../src/logql/pipeline/parsers/index.js';

describe('sanitizeLabelKey', () => {
  it.each([
    ['level', true, 'level'],
    ['a.b-c', true, 'a_b_c'],
    ['9x', true, '_9x'],
    ['9x', false, '9x'],
    ['  spaced key \t', true, 'spaced_key'],
    ['\u00a0nbsp\u0085', true, 'nbsp'],
    ['\ufeffbom', true, '_bom'],
    ['é😀', true, '__'],
    ['', true, ''],
    ['   ', true, ''],
  ])('%j (prefix %s) → %j', (key, isPrefix, want) => expect(sanitizeLabelKey(key, isPrefix)).toBe(want));
});

describe('isValidLabelName', () => {
  it.each([
    ['a', true], ['_a1', true], ['1a', false], ['a-b', false], ['', false],
  ])('%j → %s', (name, want) => expect(isValidLabelName(name)).toBe(want));
});

describe('decolorize', () => {
  it.each([
    ['plain', 'plain'],
    ['\u001b[0;32mhttp\u001b[0m: GET /_health (0 ms) 204', 'http: GET /_health (0 ms) 204'],
    ['\u001b[1;31mred\u001b[39;49m', 'red'],
    ['a\u009b31mb', 'ab'],
    ['\u001b]0;title\u0007text', 'text'],
    ['\u001b[38;5;196mx', 'x'],
    ['lone \u001b escape', 'lone \u001b escape'],
  ])('%j → %j', (line, want) => expect(decolorize(line)).toBe(want));
});
