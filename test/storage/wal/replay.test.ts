// Proves replay's damage handling: a torn last record (cut at any byte, zero-filled, or
// failing its checksum at the very end) is dropped with a warning, corruption anywhere
// else truncates the WAL there and removes later segments, both are repaired for good (the
// next start is clean, no crash loop), and writing after either works.
import { cpSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync, closeSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CairnError } from '../../../src/util/errors.js';
import { frameBytes, SEGMENT_START_BYTES, segmentName, Wal, type ReplayReport } from '../../../src/storage/wal/index.js';
import { writeFrame } from '../../../src/storage/wal/record.js';

const roots: string[] = [];
let pristineRoot = '';
afterEach(() => {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => rmSync(pristineRoot, { recursive: true, force: true }));
function tempRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-wal-replay-'));
  roots.push(d);
  return d;
}

function rec(i: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = (i * 31 + k * 7 + 1) & 0xff;
  return b;
}

/** Where a record sits on disk. */
interface Loc {
  readonly segment: number;
  readonly offset: number;
  readonly frameBytes: number;
}

/** A WAL on disk, written once, that each test copies and damages. */
interface Pristine {
  readonly dir: string;
  readonly records: Uint8Array[];
  readonly locs: Loc[];
  readonly segments: number[];
}

const SEGMENT_BYTES = 300;
const RECORDS = 40;

async function writePristine(): Promise<Pristine> {
  pristineRoot = mkdtempSync(join(tmpdir(), 'cairn-wal-pristine-'));
  const dir = join(pristineRoot, 'wal');
  const wal = Wal.open(dir, { segmentSizeBytes: SEGMENT_BYTES, fsync: 'never' });
  const records: Uint8Array[] = [];
  const locs: Loc[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const r = rec(i, (i * 37 + 50) % 120);
    wal.append(r);
    const last = wal.segments().at(-1)!;
    records.push(r);
    locs.push({ segment: last.index, offset: last.sizeBytes - frameBytes(r.length), frameBytes: frameBytes(r.length) });
  }
  await wal.close();
  return { dir, records, locs, segments: readdirSync(dir).map(Number) };
}

let pristine: Pristine;
beforeAll(async () => {
  pristine = await writePristine();
  // The layout the tables below rely on: several segments, several records in each.
  expect(pristine.segments.length).toBeGreaterThanOrEqual(5);
});

function copy(): string {
  const dir = join(tempRoot(), 'wal');
  cpSync(pristine.dir, dir, { recursive: true });
  return dir;
}

const segPath = (dir: string, index: number) => join(dir, segmentName(index));

function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = readFileSync(path);
  writeSync(fd, Buffer.from([b[offset]! ^ 0x5a]), 0, 1, offset);
  closeSync(fd);
}

function replayAll(dir: string): { wal: Wal; records: Uint8Array[]; report: ReplayReport } {
  const wal = Wal.open(dir, { segmentSizeBytes: SEGMENT_BYTES });
  const records: Uint8Array[] = [];
  const report = wal.replay((p) => records.push(p.slice()));
  return { wal, records, report };
}

/** After damage: writing works, and the next start replays what survived plus the new record, cleanly. */
async function expectCleanAfterRepair(dir: string, wal: Wal, survived: readonly Uint8Array[]): Promise<void> {
  const extra = rec(999, 50);
  await wal.commit(extra);
  await wal.close();
  const again = replayAll(dir);
  expect(again.report.damage).toBeNull();
  expect(again.records).toEqual([...survived, extra]);
  await again.wal.close();
  const third = replayAll(dir); // and again: nothing left to repair
  expect(third.report).toMatchObject({ tornTail: false, corruptions: 0, damage: null });
  await third.wal.close();
}

/** The records in segment `index`. */
const inSegment = (index: number) => pristine.locs.map((l, i) => ({ ...l, i })).filter((l) => l.segment === index);

describe('torn tail', () => {
  it('a cut at every byte inside the last record drops just that record', async () => {
    const last = pristine.locs.at(-1)!;
    const earlier = pristine.records.slice(0, -1);
    for (let k = 0; k < last.frameBytes; k++) {
      const dir = copy();
      truncateSync(segPath(dir, last.segment), last.offset + k);
      const { wal, records, report } = replayAll(dir);
      expect(records).toEqual(earlier);
      if (k === 0) {
        expect(report.damage).toBeNull(); // the record is simply absent
      } else {
        expect(report).toMatchObject({ tornTail: true, corruptions: 0 });
        expect(report.damage).toEqual({ kind: 'torn_tail', segment: last.segment, offset: last.offset, reason: expect.stringMatching(/cut short/), droppedBytes: k, removedSegments: [] });
      }
      expect(statSync(segPath(dir, last.segment)).size).toBe(last.offset);
      await expectCleanAfterRepair(dir, wal, earlier);
      rmSync(dir, { recursive: true });
    }
  });

  const last = () => pristine.locs.at(-1)!;
  it.each([
    {
      name: 'payload checksum mismatch in the last record of the file',
      damage: (dir: string) => flipByte(segPath(dir, last().segment), last().offset + last().frameBytes - 1),
      reason: /payload checksum/,
      removesNext: false,
    },
    {
      name: 'zero fill after the last record (file extended, data never written)',
      damage: (dir: string) => appendFileSync(segPath(dir, last().segment), Buffer.alloc(4096)),
      reason: /header checksum/,
      removesNext: false,
      atEnd: true,
    },
    {
      name: 'the last record zeroed, with zero fill behind it',
      damage: (dir: string) => {
        const p = segPath(dir, last().segment);
        truncateSync(p, last().offset);
        appendFileSync(p, Buffer.alloc(last().frameBytes + 100));
      },
      reason: /header checksum/,
      removesNext: false,
    },
    {
      name: 'a torn last record followed by an empty segment',
      damage: (dir: string) => {
        truncateSync(segPath(dir, last().segment), last().offset + 5);
        writeFileSync(segPath(dir, last().segment + 1), '');
      },
      reason: /header cut short/,
      removesNext: true,
    },
  ])('$name', async ({ damage, reason, removesNext, atEnd }) => {
    const dir = copy();
    damage(dir);
    const { wal, records, report } = replayAll(dir);
    const survived = atEnd ? pristine.records : pristine.records.slice(0, -1);
    const offset = atEnd ? last().offset + last().frameBytes : last().offset;
    expect(records).toEqual(survived);
    expect(report).toMatchObject({ tornTail: true, corruptions: 0 });
    expect(report.damage).toMatchObject({ kind: 'torn_tail', segment: last().segment, offset, reason: expect.stringMatching(reason), removedSegments: removesNext ? [last().segment + 1] : [] });
    expect(statSync(segPath(dir, last().segment)).size).toBe(offset);
    await expectCleanAfterRepair(dir, wal, survived);
  });
});

describe('torn tail after a restart', () => {
  it('records lost at the end of the last data segment, behind a segment holding only its start frame, are a torn tail', async () => {
    const dir = copy();
    const restarted = replayAll(dir); // starts a new, record-less segment
    await restarted.wal.close();
    const last = pristine.locs.at(-1)!;
    truncateSync(segPath(dir, last.segment), last.offset);
    const { wal, records, report } = replayAll(dir);
    expect(records).toEqual(pristine.records.slice(0, -1));
    expect(report.damage).toMatchObject({ kind: 'torn_tail', segment: last.segment, offset: last.offset, reason: expect.stringMatching(/its end was lost/), removedSegments: [last.segment + 1] });
    await expectCleanAfterRepair(dir, wal, pristine.records.slice(0, -1));
  });
});

describe('corruption', () => {
  // A record in the middle of a middle segment: records before it survive.
  const middle = () => {
    const seg = pristine.segments[Math.floor(pristine.segments.length / 2)]!;
    const rs = inSegment(seg);
    return rs[Math.floor(rs.length / 2)]!;
  };
  const lastOfSegment = (seg: number) => inSegment(seg).at(-1)!;

  it.each([
    { name: 'length field of a middle record', at: () => middle(), damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + 5), reason: /header checksum/ },
    { name: 'type byte of a middle record', at: () => middle(), damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + 8), reason: /header checksum/ },
    { name: 'header CRC of a middle record', at: () => middle(), damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset), reason: /header checksum/ },
    { name: 'payload CRC of a middle record', at: () => middle(), damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + 10), reason: /header checksum/ },
    {
      name: 'payload byte of a middle record',
      at: () => {
        const l = middle();
        return l.frameBytes > 13 ? l : inSegment(l.segment).find((x) => x.frameBytes > 13)!;
      },
      damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + 13),
      reason: /payload checksum/,
    },
    {
      name: 'payload of the last record of a non-last segment',
      at: () => lastOfSegment(pristine.segments[1]!),
      damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + l.frameBytes - 1),
      reason: /payload checksum/,
    },
    {
      name: 'a non-last segment cut short inside its last record',
      at: () => lastOfSegment(pristine.segments[1]!),
      damage: (dir: string, l: Loc) => truncateSync(segPath(dir, l.segment), l.offset + l.frameBytes - 3),
      reason: /cut short/,
    },
    {
      name: 'a non-last segment that lost whole records at its end (no frame is damaged)',
      at: () => lastOfSegment(pristine.segments[1]!),
      damage: (dir: string, l: Loc) => truncateSync(segPath(dir, l.segment), l.offset),
      reason: /next segment recorded .*its end was lost/,
    },
    {
      name: 'bytes added to a non-last segment after it was cut',
      at: () => {
        const l = lastOfSegment(pristine.segments[1]!);
        return { segment: l.segment, offset: l.offset + l.frameBytes, frameBytes: 0 };
      },
      damage: (dir: string, l: Loc) => {
        const frame = Buffer.alloc(frameBytes(3));
        writeFrame(frame, 0, rec(5, 3));
        appendFileSync(segPath(dir, l.segment), frame);
      },
      reason: /bytes were added after it was cut/,
    },
    { name: 'the very first record', at: () => pristine.locs[0]!, damage: (dir: string, l: Loc) => flipByte(segPath(dir, l.segment), l.offset + 2), reason: /header checksum/ },
  ])('$name', async ({ at, damage, reason }) => {
    const l = at();
    // Records before the damage survive: those in earlier segments or earlier in this one.
    const index = pristine.locs.filter((x) => x.segment < l.segment || (x.segment === l.segment && x.offset < l.offset)).length;
    const dir = copy();
    damage(dir, l);
    const { wal, records, report } = replayAll(dir);
    const survived = pristine.records.slice(0, index);
    expect(records).toEqual(survived);
    const later = pristine.segments.filter((s) => s > l.segment);
    expect(report).toMatchObject({ tornTail: false, corruptions: 1, records: index });
    expect(report.damage).toMatchObject({ kind: 'corruption', segment: l.segment, offset: l.offset, reason: expect.stringMatching(reason), removedSegments: later });
    expect(readdirSync(dir).map(Number).filter((s) => s > l.segment + 1)).toEqual([]); // only the new writer segment may follow
    expect(statSync(segPath(dir, l.segment)).size).toBe(l.offset);
    await expectCleanAfterRepair(dir, wal, survived);
  });

  it('non-zero bytes after the last record are corruption, not a torn tail', async () => {
    const dir = copy();
    const last = pristine.locs.at(-1)!;
    appendFileSync(segPath(dir, last.segment), Buffer.from('this is not a wal record, it is something else entirely'));
    const { wal, records, report } = replayAll(dir);
    expect(records).toEqual(pristine.records);
    expect(report.damage).toMatchObject({ kind: 'corruption', segment: last.segment, offset: last.offset + last.frameBytes });
    await expectCleanAfterRepair(dir, wal, pristine.records);
  });

  it('a missing segment in the middle: replay stops before the gap and removes what follows it', async () => {
    const dir = copy();
    const missing = pristine.segments[2]!;
    unlinkSync(segPath(dir, missing));
    const { wal, records, report } = replayAll(dir);
    const survived = pristine.records.filter((_, i) => pristine.locs[i]!.segment < missing);
    expect(records).toEqual(survived);
    expect(report.damage).toMatchObject({ kind: 'corruption', segment: missing, offset: 0, reason: expect.stringMatching(/missing/), removedSegments: pristine.segments.filter((s) => s > missing) });
    await expectCleanAfterRepair(dir, wal, survived);
  });

  it.each([
    { name: 'emptied', damage: (p: string) => truncateSync(p, 0), reason: /its end was lost/ },
    { name: 'replaced by a copy of another segment', damage: (p: string) => cpSync(p.replace(/\d+$/, segmentName(pristine.segments[1]!)), p), reason: /start record names segment/ },
    { name: 'without its start frame', damage: (p: string) => writeFileSync(p, readFileSync(p).subarray(SEGMENT_START_BYTES)), reason: /does not begin with a segment start record/ },
  ])('a middle segment $name: corruption at its start', async ({ damage, reason }) => {
    const dir = copy();
    const seg = pristine.segments[2]!;
    damage(segPath(dir, seg));
    const { wal, records, report } = replayAll(dir);
    const survived = pristine.records.filter((_, i) => pristine.locs[i]!.segment < seg);
    expect(records).toEqual(survived);
    expect(report.damage).toMatchObject({ kind: 'corruption', offset: 0, reason: expect.stringMatching(reason), removedSegments: pristine.segments.filter((s) => s > seg) });
    await expectCleanAfterRepair(dir, wal, survived);
  });

  it('a whole record from a newer version (unknown type, valid checksums) refuses to start and changes nothing', async () => {
    const dir = copy();
    const last = pristine.locs.at(-1)!;
    const frame = Buffer.alloc(frameBytes(4));
    writeFrame(frame, 0, rec(7, 4), 7);
    appendFileSync(segPath(dir, last.segment), frame);
    const before = readFileSync(segPath(dir, last.segment));
    const wal = Wal.open(dir);
    let err: unknown;
    try {
      wal.replay(() => {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CairnError);
    expect(err).toMatchObject({ kind: 'internal', reason: 'wal_unsupported_record_type', message: expect.stringMatching(/type 7 .*newer cairn/) });
    expect(readFileSync(segPath(dir, last.segment))).toEqual(before);
    await wal.close();
  });
});
