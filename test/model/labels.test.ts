// Proves label sets convert to JSON objects with every label, `__proto__` included.
import { describe, expect, it } from 'vitest';
import { labelsToObject } from '../../src/model/labels.js';

describe('labelsToObject', () => {
  it.each([
    { labels: [], json: '{}' },
    { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a"b' }], json: '{"__name__":"up","job":"a\\"b"}' },
    { labels: [{ name: '__proto__', value: 'x' }, { name: 'constructor', value: 'y' }], json: '{"__proto__":"x","constructor":"y"}' },
  ])('$json', ({ labels, json }) => {
    const o = labelsToObject(labels);
    expect(JSON.stringify(o)).toBe(json);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
  });
});
