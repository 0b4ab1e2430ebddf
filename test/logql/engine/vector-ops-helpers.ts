// Builders and normalisers shared by the vector-ops tests.
import { expect } from 'vitest';
import { labelsKey, type Labels } from '../../../src/model/labels.js';
import type { StepSample, StepValue } from '../../../src/logql/engine/vector-ops.js';

export type Obj = Readonly<Record<string, string>>;

/** LogQL labels from an object: sorted, empty values kept. */
export function lbls(o: Obj): Labels {
  return Object.entries(o)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A step sample. */
export function smp(o: Obj, v: number): StepSample {
  const labels = lbls(o);
  return { labels, key: labelsKey(labels), v };
}

export function vec(...samples: StepSample[]): StepValue {
  return { kind: 'vector', samples };
}

export function sc(v: number): StepValue {
  return { kind: 'scalar', v };
}

export interface Plain {
  readonly labels: Obj;
  readonly v: number;
}

/** Samples as plain rows, checking that each key is its labels' key; sorted by key unless `ordered`. */
export function plain(samples: readonly StepSample[], ordered = false): Plain[] {
  for (const s of samples) expect(s.key).toBe(labelsKey(s.labels));
  const rows = samples.map((s) => ({ key: s.key, labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), v: s.v }));
  if (!ordered) rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.map(({ labels, v }) => ({ labels, v }));
}

/** Expected rows in the same normal form. */
export function rows(...r: [Obj, number][]): Plain[] {
  return plain(r.map(([o, v]) => smp(o, v)));
}

/** Expected rows, kept in the given order. */
export function orderedRows(...r: [Obj, number][]): Plain[] {
  return r.map(([o, v]) => ({ labels: Object.fromEntries(lbls(o).map((l) => [l.name, l.value])), v }));
}
