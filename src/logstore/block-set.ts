/**
 * The log store's block set: the shared reference-counted set (storage/block-set.ts) over
 * log block files.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { BlockSet, OpenBlock } from '../storage/block-set.js';
import type { LogBlockMeta } from './block/log-block-meta.js';
import type { EncodedChunk } from './chunk/encoded-chunk.js';
import type { LogIndexStats, LogSelectCounters } from './interface.js';

/** What a log block file offers to readers (block/log-block-reader.ts). */
export interface LogBlockIndex {
  /** Matching streams with chunks overlapping [mint, maxt] (ms), sorted by labels; chunks a needle rules out are left out. */
  select(matchers: readonly Matcher[], mint: number, maxt: number, needles?: readonly string[], counters?: LogSelectCounters): { labels: Labels; chunks: EncodedChunk[] }[];
  /** As `select`, each stream's chunks listed when asked (then possibly none). */
  selectStreams(matchers: readonly Matcher[], mint: number, maxt: number, needles?: readonly string[], counters?: LogSelectCounters): { labels: Labels; chunks(): EncodedChunk[] }[];
  /** Label sets of the matching streams with chunks overlapping [mint, maxt]. */
  streams(matchers: readonly Matcher[], mint: number, maxt: number): Labels[];
  labelNames(matchers?: readonly Matcher[]): string[];
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  stats(matchers: readonly Matcher[], mint: number, maxt: number): LogIndexStats;
  /** Per matching stream, the line bytes of its chunks overlapping [mint, maxt] (whole chunks). */
  volumes(matchers: readonly Matcher[], mint: number, maxt: number): { labels: Labels; bytes: number }[];
  close(): void;
}

export class OpenLogBlock extends OpenBlock<LogBlockMeta, LogBlockIndex> {}

export class LogBlockSet extends BlockSet<OpenLogBlock> {}
