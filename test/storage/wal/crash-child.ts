/**
 * Child process for crash.test.ts: opens the WAL in argv[2] with fsync policy argv[3],
 * replays it to find where the sequence stands, then commits numbered records forever,
 * several in flight at once, printing each number to stdout once its `commit()` has
 * resolved, which is the moment a server would send its 2xx. The parent kills it with
 * SIGKILL at an arbitrary point.
 *
 * Record `i`: u32 LE `i`, then `(i * 7919) % 9000` bytes of `(i + k) & 0xff`, so sizes vary
 * from 4 bytes to 9 KiB and segments (64 KiB) are cut often. stdout is a pipe, which Node
 * writes synchronously on Linux; and were a line still buffered at the kill, the parent
 * would only see fewer acknowledgements, which makes the check weaker, never wrong.
 * (Not fs.writeSync(1): the pipe is non-blocking, and a slow reader makes that fail EAGAIN.)
 */
import { Wal, type FsyncPolicy } from '../../../src/storage/wal/index.js';

/** Commits in flight at once: enough to make `always` share fsyncs (group commit). */
const CONCURRENCY = 8;

export function crashRecord(i: number): Uint8Array {
  const n = (i * 7919) % 9000;
  const b = Buffer.alloc(4 + n);
  b.writeUInt32LE(i, 0);
  for (let k = 0; k < n; k++) b[4 + k] = (i + k) & 0xff;
  return b;
}

/** The number of a record, or -1 if its bytes are not exactly `crashRecord(number)`. */
export function crashRecordNumber(p: Uint8Array): number {
  if (p.length < 4) return -1;
  const i = Buffer.from(p.buffer, p.byteOffset, p.length).readUInt32LE(0);
  return Buffer.from(crashRecord(i)).equals(p) ? i : -1;
}

async function main(): Promise<void> {
  const [dir, policy] = process.argv.slice(2) as [string, FsyncPolicy];
  const wal = Wal.open(dir, { fsync: policy, segmentSizeBytes: 64 * 1024 });
  let next = 0;
  const report = wal.replay((p) => {
    next = crashRecordNumber(p) + 1;
  });
  process.stderr.write(`replayed ${report.records} records; damage ${JSON.stringify(report.damage)}\n`);
  const launch = (): void => {
    const i = next++;
    wal.commit(crashRecord(i)).then(
      () => {
        process.stdout.write(`${i}\n`);
        setImmediate(launch);
      },
      (err: unknown) => {
        process.stderr.write(`commit ${i} failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  for (let k = 0; k < CONCURRENCY; k++) launch();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
