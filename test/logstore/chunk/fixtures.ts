/** Shared helpers of the log chunk and block tests: entries, arbitraries, temp dirs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach } from 'vitest';
import type { Label } from '../../../src/model/labels.js';
import { compareEntries, type LogEntry } from '../../../src/logstore/entry.js';

/** A fresh temp dir per test, removed after it. */
export function useTempDir(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'cairn-logblock-test-'));
    dirs.push(d);
    return d;
  };
}

/** An entry; metadata given as a map in order. */
export function entry(tMs: number, tNs: number, line: string, metadata: Record<string, string> = {}): LogEntry {
  return { tMs, tNs, line, metadata: Object.entries(metadata).map(([name, value]): Label => ({ name, value })) };
}

/** Entries as plain objects (metadata arrays compared by content). */
export function plain(entries: readonly LogEntry[]): { tMs: number; tNs: number; line: string; metadata: Label[] }[] {
  return entries.map((e) => ({ tMs: e.tMs, tNs: e.tNs, line: e.line, metadata: e.metadata.map((m) => ({ name: m.name, value: m.value })) }));
}

/** Any metadata list (unique names, non-empty values). */
const metadataArb: fc.Arbitrary<Label[]> = fc
  .uniqueArray(fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), value: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) }), { selector: (l) => l.name, maxLength: 3 })
  .map((ls) => ls.map((l) => ({ name: l.name, value: l.value })));

/**
 * Any sorted, non-empty entry list: times near `base` (ms) with every ns, lines of any
 * Unicode (including multi-line and empty), some with metadata.
 */
export function entriesArb(opts: { base?: number; spanMs?: number; maxLength?: number } = {}): fc.Arbitrary<LogEntry[]> {
  const base = opts.base ?? 1_700_000_000_000;
  const span = opts.spanMs ?? 10_000;
  return fc
    .array(
      fc.record({
        tMs: fc.integer({ min: base, max: base + span }),
        tNs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 })),
        line: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('GET /api 200', 'a\nb\n\tat x', '')),
        metadata: fc.oneof({ weight: 3, arbitrary: fc.constant([] as Label[]) }, { weight: 1, arbitrary: metadataArb }),
      }),
      { minLength: 1, maxLength: opts.maxLength ?? 60 },
    )
    .map((es) => es.sort(compareEntries));
}
