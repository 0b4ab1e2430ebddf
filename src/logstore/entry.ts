/**
 * A log entry as the log store holds it. Loki timestamps are int64 nanoseconds, which a JS
 * number cannot hold exactly (2^53 ns is 104 days), so a timestamp is split in two exact
 * integers: milliseconds since the epoch (the unit the rest of Cairn, block ranges and
 * retention use) and the nanoseconds within that millisecond.
 */
import type { Label } from '../model/labels.js';

export interface LogEntry {
  /** Milliseconds since the epoch (an integer, may be 0 but not negative). */
  readonly tMs: number;
  /** Nanoseconds within the millisecond, 0 ≤ tNs < 1e6. */
  readonly tNs: number;
  readonly line: string;
  /** Structured metadata in the order sent; [] when none. Names are unique; a value may be empty (Loki keeps those). */
  readonly metadata: readonly Label[];
}

export const NS_PER_MS = 1_000_000;

/** Orders two timestamps: negative when (aMs, aNs) is earlier than (bMs, bNs). */
export function compareTime(aMs: number, aNs: number, bMs: number, bNs: number): number {
  return aMs !== bMs ? aMs - bMs : aNs - bNs;
}

/** Orders entries by time, then line (the order Loki's chunks iterate equal timestamps in). */
export function compareEntries(a: LogEntry, b: LogEntry): number {
  if (a.tMs !== b.tMs) return a.tMs - b.tMs;
  if (a.tNs !== b.tNs) return a.tNs - b.tNs;
  return a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
}

/** Whether two entries carry the same structured metadata (names and values, in order). */
export function sameMetadata(a: readonly Label[], b: readonly Label[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/**
 * Loki's duplicate rule: an entry is dropped only when its timestamp, line and structured
 * metadata all equal another's (entries differing only in metadata are both kept).
 */
export function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.tMs === b.tMs && a.tNs === b.tNs && a.line === b.line && sameMetadata(a.metadata, b.metadata);
}

/** The timestamp as Loki prints it: decimal nanoseconds since the epoch. */
export function formatNs(tMs: number, tNs: number): string {
  if (tMs === 0) return String(tNs);
  return String(tMs) + String(tNs).padStart(6, '0');
}

/** A timestamp as a BigInt of nanoseconds (for arithmetic off the hot path). */
export function toNsBigInt(tMs: number, tNs: number): bigint {
  return BigInt(tMs) * 1_000_000n + BigInt(tNs);
}

/** Splits BigInt nanoseconds (≥ 0) into the entry's two fields. */
export function fromNsBigInt(ns: bigint): { tMs: number; tNs: number } {
  return { tMs: Number(ns / 1_000_000n), tNs: Number(ns % 1_000_000n) };
}

/** Bytes an entry counts for in rate limits and stats: the line plus metadata names and values (UTF-8), as Loki counts. */
export function entryBytes(e: LogEntry): number {
  let n = Buffer.byteLength(e.line);
  for (const m of e.metadata) n += Buffer.byteLength(m.name) + Buffer.byteLength(m.value);
  return n;
}
