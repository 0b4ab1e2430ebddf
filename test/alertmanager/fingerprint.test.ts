// Proves fingerprints equal prometheus/common's FNV-1a 64 of the sorted label pairs.
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alertmanager/fingerprint.js';
import { labelsFromObject } from '../../src/model/labels.js';

/** A straightforward BigInt FNV-1a 64, as an independent reference. */
function reference(o: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (b: number) => {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const name of Object.keys(o).sort()) {
    for (const b of Buffer.from(name)) add(b);
    add(0xff);
    for (const b of Buffer.from(o[name]!)) add(b);
    add(0xff);
  }
  return h.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  const cases: { name: string; labels: Record<string, string>; expected?: string }[] = [
    { name: 'empty label set is the offset basis', labels: {}, expected: 'cbf29ce484222325' },
    // prometheus/common model/signature_test.go: LabelsToSignature = 5799056148416392346.
    { name: 'upstream test vector', labels: { name: 'garland, briggs', fear: 'love is not enough' }, expected: (5799056148416392346n).toString(16).padStart(16, '0') },
    { name: 'alertname only', labels: { alertname: 'InstanceDown' } },
    { name: 'unicode values', labels: { a: 'ü€😀', b: '' + 'x'.repeat(300) } },
    { name: 'many labels', labels: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, `v${i * 7}`])) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const fp = fingerprint(labelsFromObject(c.labels));
      expect(fp).toMatch(/^[0-9a-f]{16}$/);
      expect(fp).toBe(reference(c.labels));
      if (c.expected !== undefined) expect(fp).toBe(c.expected);
    });
  }
});
