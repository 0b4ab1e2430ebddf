/**
 * The series stream the main thread hands to a block-writing worker: every series of the
 * block with its closed chunks, in a list of buffers (segments) that move to the worker
 * without a copy (transfer their `ArrayBuffer`s). Layout in FORMAT.md ("Block input stream").
 *
 * The writer runs on the main thread for up to a few hundred thousand series, so it does
 * the least it can: fixed-size segments (a single buffer grown by doubling copied 16 MiB in
 * one go, a 10-20 ms stall mid-flush, for a 2 M-sample head), label strings written as they
 * are (no symbol table: that work belongs to the worker), chunk bytes copied once.
 */
import { compareLabels, type Label, type Labels } from '../../model/labels.js';
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { assert } from '../../util/errors.js';
import type { ClosedChunk } from '../chunkenc/xor-open.js';
import type { SeriesInput } from './block-meta.js';

/**
 * A new segment starts once the current one holds this much: 4 MiB hold ~30 000 series of a
 * few chunks, and allocating one costs well under a millisecond. A series never spans two
 * segments; one bigger than a segment grows its own.
 */
const SEGMENT_BYTES = 4 << 20;
/** Room past SEGMENT_BYTES for the series that crosses it, so a segment rarely grows. */
const SEGMENT_SLACK_BYTES = 64 << 10;

/** A block input stream: segments, each holding whole series records. */
export type BlockInput = readonly Uint8Array[];

/**
 * Builds a block input stream. Series may come in any order (the worker sorts them: on the
 * main thread, sorting 100k label sets took ~100 ms, a stall ingestion would feel), each
 * series once; chunks of a series oldest first. Single use: after `finish()` the writer
 * must not be touched.
 */
export class BlockInputWriter {
  private w: ByteWriter;
  private readonly done: Uint8Array[] = [];
  private finished = false;
  /** Series added so far. */
  numSeries = 0;

  /** `segmentBytes`: tuning for tests (tiny segments exercise the switching). */
  constructor(private readonly segmentBytes = SEGMENT_BYTES) {
    this.w = new ByteWriter(segmentBytes + SEGMENT_SLACK_BYTES);
  }

  /** Appends a series. A series without chunks is written too; the block writer skips it. */
  add(labels: Labels, chunks: readonly ClosedChunk[]): void {
    this.beginSeries(labels, chunks.length);
    for (const c of chunks) this.addChunk(c.bytes, c.mint, c.maxt, c.numSamples);
  }

  /**
   * Starts a series of `numChunks` chunks, to be given by as many `addChunk` calls: the
   * allocation-free form of `add`, for the head, whose open chunk is only lent as a view.
   */
  beginSeries(labels: Labels, numChunks: number): void {
    assert(!this.finished, 'block input writer used after finish()');
    if (this.w.length >= this.segmentBytes) {
      this.done.push(this.w.view_());
      this.w = new ByteWriter(this.segmentBytes + SEGMENT_SLACK_BYTES);
    }
    const w = this.w;
    w.uvarint(labels.length);
    for (const l of labels) {
      w.string(l.name);
      w.string(l.value);
    }
    w.uvarint(numChunks);
    this.numSeries++;
  }

  /** Copies one chunk of the series begun last. */
  addChunk(bytes: Uint8Array, mint: number, maxt: number, numSamples: number): void {
    const w = this.w;
    w.varint(mint);
    w.uvarint(maxt - mint);
    w.uvarint(numSamples);
    w.bytes(bytes);
  }

  /**
   * The stream: views of the writer's own segments, not copies. A segment's `.buffer` may
   * be larger than its view; transfer those whole `ArrayBuffer`s (`blockInputTransfer`) and
   * the receiving side sees the same offsets and lengths.
   */
  finish(): BlockInput {
    assert(!this.finished, 'block input writer finished twice');
    this.finished = true;
    this.done.push(this.w.view_());
    return this.done;
  }
}

/** The buffers to transfer (not clone) when posting `input` to a worker. */
export function blockInputTransfer(input: BlockInput): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const seg of input) if (seg.buffer instanceof ArrayBuffer && !out.includes(seg.buffer)) out.push(seg.buffer);
  return out;
}

/**
 * Reads a block input stream lazily, series by series. Labels are fresh objects; chunk
 * bytes are views into the segments (no copy), valid as long as they are. Throws a
 * CairnError (kind `internal`, reason `corrupt_record`) on truncated input.
 */
export function* readBlockInput(input: BlockInput): Generator<SeriesInput> {
  for (const seg of input) yield* readSegment(seg);
}

function* readSegment(buf: Uint8Array): Generator<SeriesInput> {
  const r = new ByteReader(buf);
  while (r.remaining > 0) {
    const nLabels = r.uvarint();
    const labels: Label[] = new Array<Label>(nLabels);
    for (let i = 0; i < nLabels; i++) {
      const name = r.string();
      labels[i] = { name, value: r.string() };
    }
    const nChunks = r.uvarint();
    const chunks: ClosedChunk[] = new Array<ClosedChunk>(nChunks);
    for (let i = 0; i < nChunks; i++) {
      const mint = r.varint();
      const maxt = mint + r.uvarint();
      const numSamples = r.uvarint();
      chunks[i] = { mint, maxt, numSamples, bytes: r.bytes() };
    }
    yield { labels, chunks };
  }
}

/** Every series of a block input stream, sorted by labels (the order a block is written in). */
export function sortedBlockInput(input: BlockInput): SeriesInput[] {
  const all = [...readBlockInput(input)];
  all.sort((a, b) => compareLabels(a.labels, b.labels));
  return all;
}
