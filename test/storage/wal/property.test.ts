// Proves, for generated inputs, that any sequence of appends round-trips through any
// segment and replay-chunk size, and that after any single truncation or byte flip replay
// never throws, returns exactly a prefix of what was written, and leaves a WAL that
// replays the same prefix cleanly on the next start.
import { mkdtempSync, openSync, closeSync, readSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Wal } from '../../../src/storage/wal/index.js';

const root = mkdtempSync(join(tmpdir(), 'cairn-wal-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const freshDir = () => join(root, String(runs++));

/** Batches of records: one `append` each. */
const batchesArb = fc.array(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), { maxLength: 25 });

async function write(dir: string, batches: readonly (readonly Uint8Array[])[], segmentSizeBytes: number): Promise<Uint8Array[]> {
  const wal = Wal.open(dir, { segmentSizeBytes, fsync: 'never' });
  for (const b of batches) wal.append(b);
  await wal.close();
  return batches.flat();
}

function replay(dir: string, replayChunkBytes: number) {
  const wal = Wal.open(dir, { replayChunkBytes });
  const records: Uint8Array[] = [];
  const report = wal.replay((p) => records.push(p.slice()));
  return { wal, records, report };
}

const hex = (rs: readonly Uint8Array[]) => rs.map((r) => Buffer.from(r).toString('hex'));

describe('properties', () => {
  it('any sequence of appends round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 700 }), async (batches, segmentSizeBytes, chunk) => {
        const dir = freshDir();
        const want = await write(dir, batches, segmentSizeBytes);
        const { wal, records, report } = replay(dir, chunk);
        await wal.close();
        expect(hex(records)).toEqual(hex(want));
        expect(report.damage).toBeNull();
        rmSync(dir, { recursive: true });
      }),
      { numRuns: 150, seed: 20_240_611 },
    );
  });

  it('after any one truncation or byte flip, replay returns a prefix and the next start is clean', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchesArb.filter((b) => b.flat().length > 0),
        fc.integer({ min: 40, max: 1000 }),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        async (batches, segmentSizeBytes, whereA, whereB, flip) => {
          const dir = freshDir();
          const want = await write(dir, batches, segmentSizeBytes);
          const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).size > 0);
          const file = join(dir, files[whereA % files.length]!);
          const size = statSync(file).size;
          const at = whereB % size;
          if (flip) {
            const fd = openSync(file, 'r+');
            const b = Buffer.alloc(1);
            readSync(fd, b, 0, 1, at);
            b[0]! ^= 1 << (whereB % 8);
            writeSync(fd, b, 0, 1, at);
            closeSync(fd);
          } else {
            truncateSync(file, at);
          }

          const first = replay(dir, 64);
          await first.wal.close();
          expect(hex(first.records)).toEqual(hex(want.slice(0, first.records.length)));
          // A flipped bit is always caught (CRC-32 detects every single-bit error); a cut at
          // a frame boundary simply leaves fewer whole records, which is no damage at all.
          if (flip) {
            expect(first.records.length).toBeLessThan(want.length);
            expect(first.report.damage).not.toBeNull();
          }

          const second = replay(dir, 4096);
          await second.wal.close();
          expect(second.report.damage).toBeNull();
          expect(hex(second.records)).toEqual(hex(first.records));
          rmSync(dir, { recursive: true });
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
