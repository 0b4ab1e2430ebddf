/**
 * A run of the Prometheus API's matrix entries, `{"metric":{...},"values":[[t,"v"],...]}`,
 * comma-separated, written as UTF-8 bytes: the answer goes out as bytes anyway, so the
 * entries skip the strings, their joining and their encoding. Points go through the native
 * addon's `writePoints` where it is built (util/native.ts; ~5× faster than V8's number
 * formatting), else through `value-json.ts`'s `pointsJson`, which gives the same text.
 *
 * A writer is used synchronously, from the first `add` to `finish`: it borrows its thread's
 * scratch buffer, which `finish` hands back.
 */
import { native, pointsBound, type NativeAddon } from '../util/native.js';
import { pointsJson } from './value-json.js';

const COMMA = 0x2c;
const CLOSE = 0x7d; // '}'
const utf8 = new TextEncoder();
/** The first buffer a writer takes when its thread has no scratch yet. */
const INITIAL_BYTES = 64 * 1024;
/** The largest scratch a thread keeps between answers; a bigger one is left to the GC. */
const KEEP_BYTES = 32 * 1024 * 1024;

let scratch: Uint8Array | undefined;
/** Columns given as arrays are copied here for the addon, which reads Float64Arrays. */
let tCopy = new Float64Array(1024);
let vCopy = new Float64Array(1024);

export class EntryWriter {
  private buf: Uint8Array;
  private at = 0;

  /** `addon`: the native addon to use, or null for the JavaScript path (tests compare the two). */
  constructor(private readonly addon: NativeAddon | null = native ?? null) {
    this.buf = scratch ?? new Uint8Array(INITIAL_BYTES);
    scratch = undefined;
  }

  /**
   * Appends one series' entry: `head` (`matrixEntryHead`'s `{"metric":{...},"values":`),
   * then the points [from, to) of the columns, then `}`.
   */
  add(head: string, t: ArrayLike<number>, v: ArrayLike<number>, from: number, to: number): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8.
    this.reserve(head.length * 3 + 2);
    if (this.at > 0) this.buf[this.at++] = COMMA;
    this.at += utf8.encodeInto(head, this.buf.subarray(this.at)).written;
    if (this.addon !== null) {
      this.reserve(pointsBound(to - from) + 1);
      if (t instanceof Float64Array && v instanceof Float64Array) {
        this.at = this.addon.writePoints(t, v, from, to, this.buf, this.at);
      } else {
        const n = to - from;
        if (tCopy.length < n) {
          tCopy = new Float64Array(n);
          vCopy = new Float64Array(n);
        }
        for (let i = 0; i < n; i++) {
          tCopy[i] = t[from + i]!;
          vCopy[i] = v[from + i]!;
        }
        this.at = this.addon.writePoints(tCopy, vCopy, 0, n, this.buf, this.at);
      }
    } else {
      // Digits, signs, brackets and quotes: one byte a character.
      const text = pointsJson(t, v, from, to);
      this.reserve(text.length + 1);
      this.at += utf8.encodeInto(text, this.buf.subarray(this.at)).written;
    }
    this.buf[this.at++] = CLOSE;
  }

  /** The bytes written (a copy), handing the buffer back as the thread's scratch. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.at);
    if (this.buf.length <= KEEP_BYTES) scratch = this.buf;
    this.buf = new Uint8Array(0);
    this.at = 0;
    return out;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
}
