/**
 * Label sets: the identity of a series. A `Labels` value is sorted by name, has unique
 * names and no empty values (an empty value means "no such label", as in Prometheus).
 */

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** Sorted by name, unique names, no empty values. Never mutated once built. */
export type Labels = readonly Label[];

/** The name of the label holding the metric name. */
export const METRIC_NAME = '__name__';

/**
 * Separator in `labelsKey`. 0xff never occurs in valid UTF-8, so no label text can forge a
 * boundary (Prometheus uses the same byte in its label hashing).
 */
const SEP = '\xff';

/** A string that identifies a label set exactly; for Map keys. */
export function labelsKey(ls: Labels): string {
  let s = '';
  for (const l of ls) s += l.name + SEP + l.value + SEP;
  return s;
}

/**
 * A 32-bit hash of a label set (FNV-1a over the UTF-16 code units of names and values,
 * with a separator no label text can contain), as a signed int32 so Map keys stay small
 * integers. Collisions happen: confirm with `labelsEqual`.
 */
export function labelsHash(ls: Labels): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    const { name, value } = l;
    for (let j = 0; j < name.length; j++) h = Math.imul(h ^ name.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xffff, 0x01000193);
    for (let j = 0; j < value.length; j++) h = Math.imul(h ^ value.charCodeAt(j), 0x01000193);
    h = Math.imul(h ^ 0xfffe, 0x01000193);
  }
  return h | 0;
}

/** Whether two label sets are the same. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.name !== y.name || x.value !== y.value)) return false;
  }
  return true;
}

/** Orders by name (byte order, as Go compares strings for ASCII names). */
export function compareByName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Total order of label sets, as Prometheus's `labels.Compare`. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** The value of label `name`, or '' when absent. */
export function labelValue(ls: Labels, name: string): string {
  for (const l of ls) if (l.name === name) return l.value;
  return '';
}

/** The metric name, or '' when there is none. */
export function metricName(ls: Labels): string {
  return labelValue(ls, METRIC_NAME);
}

/** Builds `Labels` from a plain object; empty values dropped. */
export function labelsFromObject(o: Readonly<Record<string, string>>): Labels {
  return Object.entries(o)
    .filter(([, v]) => v !== '')
    .map(([name, value]) => ({ name, value }))
    .sort(compareByName);
}

/** The label set as a plain object, for JSON responses. */
export function labelsToObject(ls: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of ls) {
    // `__proto__` is a valid label name; assigning it would set the prototype (or do
    // nothing for a string) and the label would vanish from the JSON.
    if (l.name === '__proto__') Object.defineProperty(o, l.name, { value: l.value, enumerable: true, writable: true, configurable: true });
    else o[l.name] = l.value;
  }
  return o;
}

/** Prometheus's text form: `{__name__="up", job="node"}`, values Go-quoted. */
export function formatLabels(ls: Labels): string {
  return `{${ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}
