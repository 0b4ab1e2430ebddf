// Proves the labels builder applies Loki's precedence (parsed > metadata > stream), its error labels and its grouping rules.
import { describe, expect, it } from 'vitest';
import { Category, LabelsBuilder } from '../../../src/logql/pipeline/labels-builder.js';
import type { Labels } from '../../../src/model/labels.js';

const stream: Labels = [
  { name: 'app', value: 'a' },
  { name: 'env', value: 'prod' },
];

function obj(ls: Labels): Record<string, string> {
  return Object.fromEntries(ls.map((l) => [l.name, l.value]));
}

describe('LabelsBuilder', () => {
  it('returns the stream labels when nothing changed', () => {
    const b = new LabelsBuilder(stream);
    b.reset();
    expect(b.result().labels).toBe(stream);
    b.del('nosuch');
    expect(b.result().labels).toBe(stream);
  });

  it('renames clashing metadata and routes error metadata', () => {
    const b = new LabelsBuilder(stream);
    b.reset();
    b.addMetadata([
      { name: 'env', value: 'dev' },
      { name: 'trace', value: 't' },
    ]);
    const r = b.result();
    expect(obj(r.labels)).toEqual({ app: 'a', env: 'prod', env_extracted: 'dev', trace: 't' });
    expect(obj(r.structuredMetadata)).toEqual({ env_extracted: 'dev', trace: 't' });
    expect(obj(r.stream)).toEqual({ app: 'a', env: 'prod' });
  });

  const precedence: { name: string; sets: [Category, string][]; expected: string; category: Category }[] = [
    { name: 'parsed over metadata', sets: [[Category.Metadata, 'm'], [Category.Parsed, 'p']], expected: 'p', category: Category.Parsed },
    { name: 'metadata does not replace parsed', sets: [[Category.Parsed, 'p'], [Category.Metadata, 'm']], expected: 'p', category: Category.Parsed },
    { name: 'stream does not replace metadata', sets: [[Category.Metadata, 'm'], [Category.Stream, 's']], expected: 'm', category: Category.Metadata },
    { name: 'stream replaces stream', sets: [[Category.Stream, 's1'], [Category.Stream, 's2']], expected: 's2', category: Category.Stream },
  ];
  it.each(precedence)('$name', ({ sets, expected, category }) => {
    const b = new LabelsBuilder(stream);
    b.reset();
    for (const [c, v] of sets) b.set(c, 'x', v);
    expect(b.get('x')).toBe(expected);
    expect(b.categoryOf('x')).toBe(category);
  });

  it('forgets an entry on reset', () => {
    const b = new LabelsBuilder(stream);
    b.reset();
    b.set(Category.Parsed, 'x', '1');
    b.del('app');
    b.setError('JSONParserErr', 'boom');
    expect(obj(b.result().labels)).toEqual({ env: 'prod', x: '1', __error__: 'JSONParserErr', __error_details__: 'boom' });
    b.reset();
    expect(b.result().labels).toBe(stream);
    expect(b.wasExtracted('x')).toBe(false);
  });

  const grouping: { name: string; groups: string[]; without: boolean; noLabels: boolean; err?: string; expected: Record<string, string> }[] = [
    { name: 'by', groups: ['app', 'x'], without: false, noLabels: false, expected: { app: 'a', x: '1' } },
    { name: 'by skips absent', groups: ['nope'], without: false, noLabels: false, expected: {} },
    { name: 'without', groups: ['env'], without: true, noLabels: false, expected: { app: 'a', x: '1' } },
    { name: 'no labels', groups: [], without: false, noLabels: true, expected: {} },
    { name: 'an error keeps everything', groups: ['app'], without: false, noLabels: true, err: 'E', expected: { app: 'a', env: 'prod', x: '1', __error__: 'E' } },
  ];
  it.each(grouping)('grouped: $name', ({ groups, without, noLabels, err, expected }) => {
    const b = new LabelsBuilder(stream);
    b.reset();
    b.set(Category.Parsed, 'x', '1');
    if (err !== undefined) b.err = err;
    expect(obj(b.grouped(groups, without, noLabels).labels)).toEqual(expected);
  });
});
