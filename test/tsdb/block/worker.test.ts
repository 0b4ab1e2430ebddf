// Proves that worker.ts runs under a real piscina pool (TypeScript loaded through tsx):
// a write job with a transferred input stream and a compaction job produce readable
// blocks, and the test-only faults reject the task.
import { renameSync } from 'node:fs';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { blockInputTransfer, BlockInputWriter, type BlockInput } from '../../../src/tsdb/block/block-input.js';
import type { BlockMeta } from '../../../src/tsdb/block/block-meta.js';
import { BlockReader } from '../../../src/tsdb/block/block-reader.js';
import { blockPath, blockTmpPath } from '../../../src/tsdb/block/block-writer.js';
import type { BlockJob } from '../../../src/tsdb/block/worker.js';
import { chunkOf, labels, useTempDir } from './fixtures.js';

const tempDir = useTempDir();

// The recipe: a file URL to the .ts module, and tsx's loader in the worker's execArgv.
const pool = new Piscina<BlockJob, BlockMeta>({
  filename: new URL('../../../src/tsdb/block/worker.ts', import.meta.url).href,
  execArgv: ['--import', 'tsx'],
  maxThreads: 1,
});
afterAll(() => pool.destroy());

function input(t0: number): BlockInput {
  const w = new BlockInputWriter();
  w.add(labels({ __name__: 'up', job: 'a' }), [chunkOf([[t0, 1], [t0 + 15_000, 1]])]);
  w.add(labels({ __name__: 'up', job: 'b' }), [chunkOf([[t0, 0]])]);
  return w.finish();
}

describe('block worker under piscina', () => {
  it('writes and compacts blocks', async () => {
    const dir = tempDir();
    const paths: string[] = [];
    for (const [ulid, t0] of [['A', 0], ['B', 30_000]] as const) {
      const buf = input(t0);
      const meta = await pool.run({ kind: 'write', dir, ulid, input: buf, level: 1 }, { transferList: blockInputTransfer(buf) });
      expect(buf.every((seg) => seg.byteLength === 0)).toBe(true); // transferred, not copied
      expect(meta).toMatchObject({ ulid, numSeries: 2, numSamples: 3, level: 1, sources: [ulid], parents: [] });
      renameSync(blockTmpPath(dir, ulid), blockPath(dir, ulid));
      paths.push(blockPath(dir, ulid));
    }
    const meta = await pool.run({ kind: 'compact', dir, ulid: 'C', sources: paths });
    expect(meta).toMatchObject({ numSeries: 2, numSamples: 6, level: 2, sources: ['A', 'B'], parents: ['A', 'B'] });
    renameSync(blockTmpPath(dir, 'C'), blockPath(dir, 'C'));
    const r = BlockReader.open(blockPath(dir, 'C'));
    expect(r.labelValues('job')).toEqual(['a', 'b']);
    r.close();
  });

  it.each([
    { fault: 'throw' as const, error: /injected fault in block job F/ },
    { fault: 'exit' as const, error: /exit/i },
  ])('rejects the task on fault $fault', async ({ fault, error }) => {
    const dir = tempDir();
    await expect(pool.run({ kind: 'write', dir, ulid: 'F', input: [], level: 1, fault })).rejects.toThrow(error);
  });
});
