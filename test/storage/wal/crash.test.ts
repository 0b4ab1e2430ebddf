// Proves the durability promise against a real crash: a child process commits numbered
// records and prints each one after commit() resolves; after SIGKILL at an arbitrary point,
// replay holds every acknowledged number, in order, none doubled, twice over (the second
// run resumes after replaying the first crash's WAL).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal } from '../../../src/storage/wal/index.js';
import { crashRecordNumber } from './crash-child.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CHILD = join(import.meta.dirname, 'crash-child.ts');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `acks` more records, then SIGKILLs it; returns the acknowledged numbers. */
async function runAndKill(dir: string, policy: string, acks: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, policy], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const acked: number[] = [];
  let partial = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const l of lines) acked.push(Number(l));
    if (acked.length >= acks) child.kill('SIGKILL');
  });
  const { signal } = await exited;
  // Lines still in the pipe when the child died were printed, so they were acknowledged.
  await new Promise<void>((resolve) => (child.stdout.readableEnded ? resolve() : child.stdout.on('end', resolve)));
  expect(signal, `child died on its own:\n${stderr}`).toBe('SIGKILL');
  return acked;
}

function replayNumbers(dir: string) {
  const wal = Wal.open(dir);
  const numbers: number[] = [];
  const report = wal.replay((p) => numbers.push(crashRecordNumber(p)));
  return { wal, numbers, report };
}

describe('crash', () => {
  it.each(['batch', 'always'])('fsync %s: every acknowledged record survives SIGKILL, in order, once', async (policy) => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-wal-crash-'));
    dirs.push(root);
    const dir = join(root, 'wal');
    let acked: number[] = [];
    for (let run = 0; run < 2; run++) {
      acked = acked.concat(await runAndKill(dir, policy, 3000));
      const { wal, numbers, report } = replayNumbers(dir);
      await wal.close();
      expect(report.corruptions).toBe(0);
      // In order and none doubled: exactly 0, 1, 2, … (a record whose bytes were wrong would be -1).
      expect(numbers.findIndex((n, i) => n !== i)).toBe(-1);
      // Every acknowledged number is there (unacknowledged ones may be too: they were written).
      expect(numbers.length).toBeGreaterThan(Math.max(...acked));
      expect(new Set(acked).size).toBe(acked.length);
    }
  });
});
