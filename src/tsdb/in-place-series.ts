/**
 * `Series` over an in-place selection (`Querier.selectInPlace`): each series' chunks are
 * decoded where they lie whenever an iterator reads them, instead of `select` copying every
 * chunk of every series into a snapshot first. For the engine's sequential paths: on the
 * query bench's instant `sum by (mode) (rate(...))` over 3 000 head series, the copy and
 * its garbage were a third of the query's time.
 *
 * What an iterator reads is what `select` would have handed out when the selection was
 * made, however much later it reads: closed chunks do not change, and each series is read
 * up to the newest sample it had then (`InPlaceSelection.newestOf`), so samples appended
 * since are not seen. The head keeps the chunks a querier may read until it closes (or until
 * `READER_WAIT_MAX_MS`, longer than any query's timeout: tenant-store.ts).
 *
 * An iterator reads synchronously: the bulk reads decode inside the chunk visits (a
 * visit's bytes are valid only during the call), and the sample-by-sample cursor decodes
 * the whole series into columns on its first step.
 */
import type { Labels } from '../model/labels.js';
import { XorIterator } from './chunkenc/xor.js';
import { readChunkInto } from './chunk-series.js';
import type { ChunkVisitor, InPlaceSelection, SampleColumns, SampleIterator, Series } from './interface.js';
import { growColumns } from './sample-columns.js';

/** The selection's series, in its order (sorted by labels). */
export function inPlaceSeries(sel: InPlaceSelection): Series[] {
  const out: Series[] = new Array<Series>(sel.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = new InPlaceSeries(sel, i, sel.labels[i]!);
  return out;
}

class InPlaceSeries implements Series {
  constructor(
    private readonly sel: InPlaceSelection,
    private readonly i: number,
    readonly labels: Labels,
  ) {}

  iterator(): SampleIterator {
    return new InPlaceIterator(this.sel, this.i);
  }
}

/** One XOR cursor for every visit: a visit decodes its chunk before the next one starts. */
const xor = new XorIterator(new Uint8Array(0));

/** Appends series `i`'s samples in [mint, maxt] (within the selection's bounds) to `out`. */
function readSeries(sel: InPlaceSelection, i: number, mint: number, maxt: number, out: SampleColumns, skipStale: boolean): void {
  const lo = Math.max(mint, sel.mint);
  const hi = Math.min(maxt, sel.maxt, sel.newestOf(i));
  if (lo > hi) return;
  let more = true;
  const visit: ChunkVisitor = (bytes, cmint, cmaxt, numSamples, times, marks) => {
    if (!more) return;
    if (times === undefined) {
      xor.reset(bytes);
      // A chunk that starts before the read: its owner's mark may spare decoding up to lo.
      more = marks !== undefined && cmint < lo ? xor.readIntoFrom(marks, cmint, lo, hi, out, skipStale) : xor.readInto(lo, hi, out, skipStale);
    } else {
      more = readChunkInto({ bytes, mint: cmint, maxt: cmaxt, numSamples, times }, lo, hi, out, skipStale);
    }
  };
  sel.forEachChunk(i, lo, hi, visit);
}

/** Growable columns (`SampleColumns`) for the sample-by-sample reads. */
class Columns implements SampleColumns {
  t = new Float64Array(32);
  v = new Float64Array(32);
  v32 = new Uint32Array(this.v.buffer);
  hi = 0;

  reserve(n: number): void {
    growColumns(this, n);
  }
}

/** Scratch for `lastAtOrBefore`, which keeps only the last sample it decodes. */
const scratch = new Columns();

class InPlaceIterator implements SampleIterator {
  t = 0;
  v = 0;
  /** The series decoded, for `next` and `seek`. */
  private cols: Columns | undefined;
  private at = -1;
  private used = false;

  constructor(
    private readonly sel: InPlaceSelection,
    private readonly i: number,
  ) {}

  readInto(mint: number, maxt: number, out: SampleColumns, skipStale: boolean): void {
    this.finish();
    readSeries(this.sel, this.i, mint, maxt, out, skipStale);
  }

  lastAtOrBefore(t: number): boolean {
    this.finish();
    const newest = this.sel.newestValueOf?.(this.i, -Infinity, t);
    if (newest !== undefined) {
      this.t = this.sel.newestOf(this.i);
      this.v = newest;
      return true;
    }
    scratch.hi = 0;
    readSeries(this.sel, this.i, -Infinity, t, scratch, false);
    if (scratch.hi === 0) return false;
    this.t = scratch.t[scratch.hi - 1]!;
    this.v = scratch.v[scratch.hi - 1]!;
    return true;
  }

  next(): boolean {
    let cols = this.cols;
    if (cols === undefined) {
      if (this.used) return false;
      this.used = true;
      cols = this.cols = new Columns();
      readSeries(this.sel, this.i, -Infinity, Infinity, cols, false);
    }
    if (++this.at >= cols.hi) {
      this.at = cols.hi;
      return false;
    }
    this.t = cols.t[this.at]!;
    this.v = cols.v[this.at]!;
    return true;
  }

  seek(t: number): boolean {
    if (this.cols !== undefined && this.at >= 0 && this.at < this.cols.hi && this.t >= t) return true;
    while (this.next()) if (this.t >= t) return true;
    return false;
  }

  err(): Error | undefined {
    return undefined;
  }

  /** The bulk reads are for a fresh iterator only, and end it (SampleIterator). */
  private finish(): void {
    if (this.used) throw new Error('BUG: a bulk read on an iterator already read');
    this.used = true;
  }
}
