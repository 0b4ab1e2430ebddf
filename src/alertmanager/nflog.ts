/**
 * The notification log (Alertmanager's `nflog`): for each aggregation group and receiver
 * integration, what was last notified — the fingerprints of the firing and the resolved
 * alerts, and when. The dispatcher's dedup reads it to decide whether a flush notifies,
 * and it is persisted so a restart neither repeats nor loses a notification. Entries
 * expire (Alertmanager keeps them for twice the repeat interval, at most the retention).
 */

/** An integration of a receiver, as the log keys it (`receiver/kind/index`). */
export interface ReceiverKey {
  readonly receiver: string;
  readonly integration: string;
  readonly index: number;
}

/** Alertmanager's `nflogpb.Entry`. Times in ms. */
export interface NflogEntry {
  readonly groupKey: string;
  readonly receiver: ReceiverKey;
  readonly timestampMs: number;
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
  readonly expiresAtMs: number;
}

/** Alertmanager's default `--data.retention`. */
export const DEFAULT_NFLOG_RETENTION_MS = 120 * 3600_000;

/** Persists log entries; see persistence.ts. */
export interface NflogSink {
  putEntry(e: NflogEntry): void;
  deleteEntries(keys: readonly { groupKey: string; receiver: string }[]): void;
}

/** The log's key of an integration. */
export function receiverKeyString(r: ReceiverKey): string {
  return `${r.receiver}/${r.integration}/${r.index}`;
}

function entryKey(groupKey: string, receiver: string): string {
  return `${groupKey}\u0000${receiver}`;
}

/** One tenant's notification log. Synchronous. */
export class NotificationLog {
  private readonly entries = new Map<string, NflogEntry>();

  constructor(
    private readonly retentionMs: number,
    private readonly sink?: NflogSink,
  ) {}

  restore(entries: readonly NflogEntry[]): void {
    for (const e of entries) this.entries.set(entryKey(e.groupKey, receiverKeyString(e.receiver)), e);
  }

  /** The last notification of a group to an integration, if any and not expired. */
  query(groupKey: string, receiver: ReceiverKey, nowMs: number): NflogEntry | undefined {
    const e = this.entries.get(entryKey(groupKey, receiverKeyString(receiver)));
    return e !== undefined && e.expiresAtMs > nowMs ? e : undefined;
  }

  /**
   * Records a notification at `nowMs`. `expiryMs` > 0 bounds the entry's life (the
   * dispatcher passes twice the repeat interval); it never outlives the retention.
   */
  log(groupKey: string, receiver: ReceiverKey, firing: readonly string[], resolved: readonly string[], nowMs: number, expiryMs: number): void {
    const life = expiryMs > 0 ? Math.min(expiryMs, this.retentionMs) : this.retentionMs;
    const e: NflogEntry = { groupKey, receiver, timestampMs: nowMs, firing: [...firing], resolved: [...resolved], expiresAtMs: nowMs + life };
    this.entries.set(entryKey(groupKey, receiverKeyString(receiver)), e);
    this.sink?.putEntry(e);
  }

  /** Deletes expired entries; returns how many. */
  gc(nowMs: number): number {
    const gone: { key: string; groupKey: string; receiver: string }[] = [];
    for (const [key, e] of this.entries) if (e.expiresAtMs <= nowMs) gone.push({ key, groupKey: e.groupKey, receiver: receiverKeyString(e.receiver) });
    for (const g of gone) this.entries.delete(g.key);
    if (gone.length > 0) this.sink?.deleteEntries(gone);
    return gone.length;
  }

  list(): NflogEntry[] {
    return [...this.entries.values()];
  }
}
