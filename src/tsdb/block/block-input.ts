/**
 * The series stream the main thread hands to a block-writing worker: every series of the
 * block with its closed chunks, in one flat buffer that moves to the worker without a copy
 * (transfer its `ArrayBuffer`). Layout in FORMAT.md ("Block input stream").
 *
 * The writer runs on the main thread for up to a few hundred thousand series, so it does
 * the least it can: one buffer grown by doubling, label strings written as they are (no
 * symbol table: that work belongs to the worker), chunk bytes copied once.
 */
import { compareLabels, type Label, type Labels } from '../../model/labels.js';
import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { assert } from '../../util/errors.js';
import type { ClosedChunk } from '../chunkenc/xor-open.js';
import type { SeriesInput } from './block-meta.js';

/**
 * Initial capacity: 1 MiB holds a few thousand series; the buffer doubles from there, so
 * a 250k-series block costs about 8 copies of a buffer that ends below twice its size.
 */
const INITIAL_INPUT_BYTES = 1 << 20;

/**
 * Builds a block input stream. Series may come in any order (the worker sorts them: on the
 * main thread, sorting 100k label sets took ~100 ms, a stall ingestion would feel), each
 * series once; chunks of a series oldest first. Single use: after `finish()` the writer
 * must not be touched.
 */
export class BlockInputWriter {
  private readonly w: ByteWriter;
  private finished = false;
  /** Series added so far. */
  numSeries = 0;

  constructor(initialBytes = INITIAL_INPUT_BYTES) {
    this.w = new ByteWriter(initialBytes);
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
   * The stream: a view of the writer's own buffer, not a copy. Its `.buffer` may be larger
   * than the view; transfer that whole `ArrayBuffer` (`transferList: [input.buffer]`) and
   * the receiving side sees the same offset and length.
   */
  finish(): Uint8Array {
    assert(!this.finished, 'block input writer finished twice');
    this.finished = true;
    return this.w.view_();
  }
}

/**
 * Reads a block input stream lazily, series by series. Labels are fresh objects; chunk
 * bytes are views into `buf` (no copy), valid as long as `buf` is. Throws a CairnError
 * (kind `internal`, reason `corrupt_record`) on truncated input.
 */
export function* readBlockInput(buf: Uint8Array): Generator<SeriesInput> {
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
export function sortedBlockInput(buf: Uint8Array): SeriesInput[] {
  const all = [...readBlockInput(buf)];
  all.sort((a, b) => compareLabels(a.labels, b.labels));
  return all;
}
