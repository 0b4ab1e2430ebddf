// Proves that OTLP attribute keys get Loki's label names: otlptranslator's NormalizeLabel
// (its own test rows) and Loki's flattening of map values.
import { describe, expect, it } from 'vitest';
import { attributeLabels, normalizeLabelName } from '../../../src/ingest/otlp/logs-values.js';

describe('normalizeLabelName', () => {
  // The rows of otlptranslator's normalize_label_test.go.
  it.each([
    ['', ''],
    ['label:with:colons', 'label_with_colons'],
    ['LabelWithCapitalLetters', 'LabelWithCapitalLetters'],
    ['label!with&special$chars)', 'label_with_special_chars_'],
    ['label_with_foreign_characters_字符', 'label_with_foreign_characters___'],
    ['label.with.dots', 'label_with_dots'],
    ['123label', 'key_123label'],
    ['_label_starting_with_underscore', 'key_label_starting_with_underscore'],
    ['__label_starting_with_2underscores', '__label_starting_with_2underscores'],
    ['emoji😀', 'emoji_'],
  ])('%j → %j', (key, expected) => {
    expect(normalizeLabelName(key)).toBe(expected);
  });
});

describe('attributeLabels', () => {
  it('flattens maps with normalised, prefixed names and skips empty maps', () => {
    const out: { name: string; value: string }[] = [];
    attributeLabels(
      'k8s.labels',
      { kvlistValue: { values: [{ key: 'app.kubernetes.io/name', value: { stringValue: 'web' } }, { key: 'empty', value: { kvlistValue: { values: [] } } }] } },
      '',
      out,
    );
    attributeLabels('n', { arrayValue: { values: [{ intValue: 1n }] } }, '', out);
    expect(out).toEqual([
      { name: 'k8s_labels_app_kubernetes_io_name', value: 'web' },
      { name: 'n', value: '[1]' },
    ]);
  });
});
