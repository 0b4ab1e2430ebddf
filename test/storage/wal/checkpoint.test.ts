// Proves WAL truncation behind a checkpoint: replay reads the checkpoint, then only the
// segments it does not cover, at every point a crash can stop the truncation (before the
// rename, after it with old segments left); unfinished checkpoints are ignored and removed;
// a damaged checkpoint is reported, not thrown.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointName, writeCheckpoint } from '../../../src/storage/wal/checkpoint.js';
import { Wal } from '../../../src/storage/wal/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-ckpt-'));
  dirs.push(d);
  return join(d, 'wal');
}

const rec = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function replayAll(dir: string): { records: string[]; wal: Wal } {
  const wal = Wal.open(dir, { fsync: 'never' });
  const records: string[] = [];
  wal.replay((p) => records.push(text(p)));
  return { records, wal };
}

/** A WAL with records a, b in segment 1 and c in segment 2, truncated at 2 behind a checkpoint holding "ckpt". */
async function truncated(dir: string): Promise<void> {
  const wal = Wal.open(dir, { fsync: 'never' });
  wal.append([rec('a'), rec('b')]);
  const index = wal.cut();
  wal.append(rec('c'));
  await wal.truncate(index, [rec('ckpt')]);
  await wal.close();
}

describe('checkpoint', () => {
  it('replays the checkpoint, then the segments from its index on', async () => {
    const dir = tempDir();
    await truncated(dir);
    expect(readdirSync(dir).sort()).toEqual(['00000002', checkpointName(2)]);
    const { records, wal } = replayAll(dir);
    expect(records).toEqual(['ckpt', 'c']);
    wal.append(rec('d'));
    await wal.close();
    expect(replayAll(dir).records).toEqual(['ckpt', 'c', 'd']);
  });

  it('accepts an async source and writes frames larger than its buffer', async () => {
    const dir = tempDir();
    const wal = Wal.open(dir, { fsync: 'never' });
    wal.append(rec('old'));
    const index = wal.cut();
    const big = 'x'.repeat(3 << 20);
    async function* source() {
      yield rec('one');
      await new Promise((r) => setImmediate(r));
      yield rec(big);
      yield rec('two');
    }
    await wal.truncate(index, source());
    await wal.close();
    expect(replayAll(dir).records.map((r) => (r.length > 10 ? `big:${r.length}` : r))).toEqual(['one', `big:${big.length}`, 'two']);
  });

  it('skips and removes segments a crash left below the checkpoint', async () => {
    const dir = tempDir();
    const wal = Wal.open(dir, { fsync: 'never' });
    wal.append(rec('a'));
    const index = wal.cut();
    wal.append(rec('b'));
    await wal.sync();
    // The checkpoint is in place but the old segment was never removed.
    await writeCheckpoint(dir, index, [rec('ckpt')]);
    await wal.close();
    const { records, wal: again } = replayAll(dir);
    expect(records).toEqual(['ckpt', 'b']);
    expect(existsSync(join(dir, '00000001'))).toBe(false);
    await again.close();
  });

  it('ignores and removes an unfinished checkpoint and older checkpoints', async () => {
    const dir = tempDir();
    await truncated(dir);
    writeFileSync(join(dir, `${checkpointName(3)}.tmp`), 'half');
    writeFileSync(join(dir, checkpointName(1)), 'stale');
    const { records, wal } = replayAll(dir);
    expect(records).toEqual(['ckpt', 'c']);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint'))).toEqual([checkpointName(2)]);
    await wal.close();
  });

  it('reports a damaged checkpoint as a corruption and replays what precedes it', async () => {
    const dir = tempDir();
    const wal = Wal.open(dir, { fsync: 'never' });
    const index = wal.cut();
    await wal.truncate(index, [rec('first'), rec('second')]);
    await wal.close();
    const path = join(dir, checkpointName(index));
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(path, bytes);
    const again = Wal.open(dir, { fsync: 'never' });
    const records: string[] = [];
    const report = again.replay((p) => records.push(text(p)));
    expect(records).toEqual(['first']);
    expect(report.corruptions).toBe(1);
    expect(report.damage?.reason).toMatch(/checkpoint/);
    await again.close();
  });

  it('a new process continues numbering after a checkpoint with no segments left', async () => {
    const dir = tempDir();
    await truncated(dir);
    rmSync(join(dir, '00000002'));
    const { records, wal } = replayAll(dir);
    expect(records).toEqual(['ckpt']);
    wal.append(rec('z'));
    await wal.close();
    expect(readdirSync(dir).filter((n) => /^\d+$/.test(n))).toEqual(['00000002']);
    expect(replayAll(dir).records).toEqual(['ckpt', 'z']);
  });
});
