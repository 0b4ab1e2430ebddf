/**
 * The data of bench/logs-query: the seeded corpus of `log-corpus.ts` written into a real
 * `LogStore` and flushed, so every entry sits in compacted block chunks (brotli, 1 MiB,
 * with needle filters), as a store holds data older than its head. A gigabyte of text does
 * not fit in one `generateCorpus` call (several GB of strings), so the corpus is made in
 * slices: consecutive time windows, each its own seed, every slice's stream i carrying the
 * labels of the first slice's stream i (the streams' apps, formats and levels follow the
 * same round-robin in every slice, so only pod names would differ). The built data dir
 * and a manifest are cached: building a gigabyte takes minutes.
 */
import type { CodecOptions } from '../../src/logstore/chunk/codec.js';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labelsFromObject, type Labels } from '../../src/model/labels.js';
import { defaultLogStoreOptions, LogStore } from '../../src/logstore/logstore.js';
import { LogAppendStatus, type LogStreamHandle } from '../../src/logstore/interface.js';
import { generateCorpus, type Corpus } from './log-corpus.js';

/** What to build. */
export interface QueryDataParams {
  readonly rawMB: number;
  readonly streams: number;
  readonly seed: number;
  /** Entries per generated slice (bounds the generator's heap). */
  readonly sliceLines: number;
  /** Hours of time the corpus spans, ending shortly before the build. */
  readonly spanHours: number;
  /** Codec of compacted chunks (`compactor.log_chunk_encoding` and its level). */
  readonly blockCodec: CodecOptions;
}

/** What the build wrote, kept beside the data as `manifest.json`. */
export interface QueryDataManifest {
  readonly params: QueryDataParams;
  readonly tenant: string;
  /** Oldest and newest entry, ms. */
  readonly minTMs: number;
  readonly maxTMs: number;
  readonly lines: number;
  /** UTF-8 bytes of all lines written (MB = 10^6 bytes in every figure). */
  readonly rawBytes: number;
  readonly slices: number;
  /** Entries the store did not keep (out of order beyond its window, duplicates). */
  readonly refused: number;
  readonly buildSeconds: number;
  readonly builtAt: string;
  /** Bytes of the tenant's block files after the flush. */
  readonly blockBytes: number;
  /** Strings known to occur exactly once, for the needle-absent queries. */
  readonly rare: { readonly requestId: string; readonly orderId: string };
}

export const TENANT = 'bench';

/** The cache dir of a parameter set: a new corpus whenever a parameter changes. */
export function queryDataDir(root: string, p: QueryDataParams): string {
  return join(root, `logs-query-raw${p.rawMB}-streams${p.streams}-seed${p.seed}-slice${p.sliceLines}-span${p.spanHours}h-${p.blockCodec.codec}${p.blockCodec.level ?? ''}`);
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** A store over `dir` for the bench: no fsync, no retention or stream limit, maintenance only when asked. */
export function openBenchStore(dir: string, blockCodec: CodecOptions): LogStore {
  const d = defaultLogStoreOptions(dir);
  // An hour between maintenance rounds: nothing compacts behind a measured query.
  return new LogStore({ ...d, fsync: 'never', compactionIntervalMs: 3_600_000, blockCodec }, { forTenant: () => ({ maxGlobalStreamsPerUser: 0, retentionPeriodMs: 0 }) });
}

/** The first line of `c` matching `re`, with the group 1 it captured. */
function findOnce(c: Corpus, re: RegExp, format: string): string | undefined {
  for (const s of c.streams) {
    if (s.format !== format) continue;
    const e = s.entries[Math.floor(s.entries.length / 2)];
    const m = e === undefined ? null : re.exec(e.line);
    if (m !== null) return m[1];
  }
  return undefined;
}

/**
 * Returns the manifest of the cached build for `p` under `root`, building it first when
 * there is none (a half-built dir, without manifest, is deleted and rebuilt). `log`
 * receives progress lines.
 */
export async function ensureQueryData(root: string, p: QueryDataParams, log: (s: string) => void): Promise<{ dir: string; manifest: QueryDataManifest; cached: boolean }> {
  const dir = queryDataDir(root, p);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) return { dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) as QueryDataManifest, cached: true };
  rmSync(dir, { recursive: true, force: true });
  const began = performance.now();
  const target = p.rawMB * 1e6;
  // Slice 0 fixes the streams' labels and, by its size, how many slices reach the target.
  const first = generateCorpus({ seed: p.seed, streams: p.streams, lines: p.sliceLines });
  const labels: Labels[] = first.streams.map((s) => labelsFromObject(s.labels));
  const slices = Math.max(1, Math.ceil(target / first.rawBytes));
  const sliceMs = Math.floor((p.spanHours * 3_600_000) / slices);
  // End a quarter of an hour before now: room for a slice or two more when the seeds'
  // slices come out smaller than the first, and no entry in the future.
  const startMs = Date.now() - 15 * 60_000 - slices * sliceMs;

  const store = openBenchStore(dir, p.blockCodec);
  await store.start();
  const handles = new Map<number, LogStreamHandle>();
  let rawBytes = 0;
  let lines = 0;
  let refused = 0;
  let minTMs = Infinity;
  let maxTMs = -Infinity;
  let requestId: string | undefined;
  let orderId: string | undefined;
  let k = 0;
  for (; rawBytes < target; k++) {
    const c = generateCorpus({ seed: p.seed + k, streams: p.streams, lines: p.sliceLines, startMs: startMs + k * sliceMs, durationMs: sliceMs });
    if (k === Math.floor(slices / 2)) {
      // Ids drawn from 2^128 (request ids) or 27^14 (order ids) values: they occur once.
      requestId = findOnce(c, / ([0-9a-f]{32})$/, 'nginx');
      orderId = findOnce(c, /"order_id":"(ord_[a-z0-9]{14})"/, 'json');
    }
    // Requests of about a Promtail batch (1 MiB of lines), as the push path commits them.
    let app = store.logAppender(TENANT);
    let batch = 0;
    const sliceEndMs = startMs + (k + 1) * sliceMs;
    for (let i = 0; i < c.streams.length; i++) {
      const s = c.streams[i]!;
      for (const e of s.entries) {
        const tMs = Number(e.tsNs.slice(0, -6));
        // A quiet stream's last gaps may overshoot its slice (up to hours for a stream of
        // one or two entries): left out, so slices do not overlap and nothing is in the future.
        if (tMs >= sliceEndMs) continue;
        const h = app.streamFor(labels[i]!, handles.get(i));
        handles.set(i, h);
        const st = app.append(h, { tMs, tNs: Number(e.tsNs.slice(-6)), line: e.line, metadata: [] });
        if (st !== LogAppendStatus.Ok) refused++;
        if (tMs < minTMs) minTMs = tMs;
        if (tMs > maxTMs) maxTMs = tMs;
        const bytes = Buffer.byteLength(e.line);
        rawBytes += bytes;
        lines++;
        batch += bytes;
        if (batch >= 1 << 20) {
          await app.commit();
          app = store.logAppender(TENANT);
          batch = 0;
        }
      }
    }
    await app.commit();
    if (k % 5 === 4) log(`  built ${k + 1} slices, ${(rawBytes / 1e6).toFixed(0)} MB, ${((performance.now() - began) / 1000).toFixed(0)} s`);
  }
  log(`  appended ${(rawBytes / 1e6).toFixed(0)} MB in ${((performance.now() - began) / 1000).toFixed(0)} s; flushing (cut, compact)…`);
  await store.flush(TENANT);
  await store.stop();
  if (requestId === undefined || orderId === undefined) throw new Error('BUG: the corpus slice has no nginx or json line with an id');
  const manifest: QueryDataManifest = {
    params: p,
    tenant: TENANT,
    minTMs,
    maxTMs,
    lines,
    rawBytes,
    slices: k,
    refused,
    buildSeconds: (performance.now() - began) / 1000,
    builtAt: new Date().toISOString(),
    blockBytes: dirBytes(join(dir, 'tenants', TENANT, 'logs', 'blocks')),
    rare: { requestId, orderId },
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return { dir, manifest, cached: false };
}
