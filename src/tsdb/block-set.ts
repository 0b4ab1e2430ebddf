/**
 * The metrics store's block set: the shared reference-counted set (storage/block-set.ts)
 * over metrics block files.
 */
import type { Matcher } from '../model/matcher.js';
import { BlockSet as GenericBlockSet, OpenBlock as GenericOpenBlock } from '../storage/block-set.js';
import type { BlockMeta } from './block/block-meta.js';
import type { ChunkedSeries } from './chunk-series.js';

/** What the querier and the planner need of a block's meta (block/block-meta.ts). */
export type BlockMetaView = Pick<BlockMeta, 'ulid' | 'minTime' | 'maxTime' | 'numSeries' | 'numSamples' | 'level' | 'sources' | 'parents'>;

/** What a block file offers to readers (block/block-reader.ts). */
export interface BlockIndex {
  /** Matching series with chunks overlapping [mint, maxt], sorted by labels. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): ChunkedSeries[];
  labelNames(matchers?: readonly Matcher[]): string[];
  labelValues(name: string, matchers?: readonly Matcher[]): string[];
  close(): void;
}

export class OpenBlock extends GenericOpenBlock<BlockMetaView, BlockIndex> {}

export class BlockSet extends GenericBlockSet<OpenBlock> {}
