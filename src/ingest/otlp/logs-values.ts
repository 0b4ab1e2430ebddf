/**
 * OTLP attribute keys as Loki writes them into labels and structured metadata (values go
 * through pdata's `AsString()`, `anyValueAsString` in any-value.ts):
 * - `normalizeLabelName` is `otlptranslator.NormalizeLabel` (prometheus/otlptranslator
 *   normalize_label.go), which Loki applies to every attribute key;
 * - `attributeLabels` is Loki's `attributeToLabels` (pkg/loghttp/push/otlp.go): a map value
 *   is flattened into one pair per leaf, its keys joined to the parent's with `_`.
 */
import type { Label } from '../../model/labels.js';
import { anyValueAsString } from './any-value.js';
import type { AnyValue } from './types.js';

/**
 * Normalises an attribute key into a Prometheus label name: every character (code point)
 * other than ASCII letters, digits and `_` becomes `_`; a name starting with a digit gets
 * `key_` in front, one starting with a single `_` gets `key`. `''` stays `''` (which is
 * not a valid label name: callers refuse it).
 */
export function normalizeLabelName(key: string): string {
  if (key === '') return key;
  let out = '';
  let changed = false;
  for (const ch of key) {
    const c = ch.codePointAt(0)!;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
    if (ok) out += ch;
    else {
      out += '_';
      changed = true;
    }
  }
  const name = changed ? out : key;
  const c0 = name.charCodeAt(0);
  if (c0 >= 0x30 && c0 <= 0x39) return 'key_' + name;
  if (c0 === 0x5f && name.charCodeAt(1) !== 0x5f) return 'key' + name;
  return name;
}

/**
 * Loki's `attributeToLabels`: the label pairs of one attribute, appended to `out`. The name
 * is the normalised key (with `prefix_` in front for a nested key); a map value yields one
 * pair per leaf (none for an empty map), any other value one pair with `anyValueAsString`.
 */
export function attributeLabels(key: string, value: AnyValue, prefix: string, out: Label[]): void {
  const name = normalizeLabelName(prefix === '' ? key : `${prefix}_${key}`);
  if ('kvlistValue' in value) {
    for (const kv of value.kvlistValue.values) attributeLabels(kv.key, kv.value, name, out);
    return;
  }
  out.push({ name, value: anyValueAsString(value) });
}
