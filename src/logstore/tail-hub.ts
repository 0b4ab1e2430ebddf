/**
 * Live entries for `/loki/api/v1/tail`: the log store publishes every commit once it is
 * applied to memory (so a tailer never sees an entry a query could not), and the hub hands
 * each subscriber of that tenant the streams its matchers select. Delivery is synchronous
 * inside the commit, so a subscriber must only buffer (never await or do heavy work) and
 * must not throw; the hub isolates a throwing subscriber from the commit and from the
 * others by catching and dropping its error. Duplicates that the appender refused are
 * never published.
 */
import type { Labels } from '../model/labels.js';
import { matchesAll, type Matcher } from '../model/matcher.js';
import type { LogEntry } from './entry.js';

/** One stream's entries of a commit, in the order they were appended. */
export interface AppliedStream {
  readonly labels: Labels;
  readonly entries: readonly LogEntry[];
}

/**
 * Receives a stream's newly committed entries; must not hold `entries` beyond copying what
 * it needs. A protobuf push's entries are `ByteLineEntry`s whose `line` is decoded from the
 * request's bytes on each read (so only a tail pays for strings): read it once per entry.
 */
export type TailListener = (labels: Labels, entries: readonly LogEntry[]) => void;

interface Subscription {
  readonly matchers: readonly Matcher[];
  readonly listener: TailListener;
}

/** Per-tenant subscribers to committed entries. */
export class TailHub {
  private readonly byTenant = new Map<string, Set<Subscription>>();

  /** Subscribes to the tenant's streams matching every matcher; returns the unsubscribe function (idempotent). */
  subscribe(tenant: string, matchers: readonly Matcher[], listener: TailListener): () => void {
    let subs = this.byTenant.get(tenant);
    if (subs === undefined) this.byTenant.set(tenant, (subs = new Set()));
    const sub: Subscription = { matchers, listener };
    subs.add(sub);
    return () => {
      const set = this.byTenant.get(tenant);
      if (set === undefined) return;
      set.delete(sub);
      if (set.size === 0) this.byTenant.delete(tenant);
    };
  }

  /** Subscribers of a tenant (for limits and tests). */
  subscribers(tenant: string): number {
    return this.byTenant.get(tenant)?.size ?? 0;
  }

  /** Whether anyone listens to the tenant: lets the store skip building the applied list. */
  has(tenant: string): boolean {
    return this.byTenant.has(tenant);
  }

  /** Hands a commit's streams to the tenant's matching subscribers. */
  publish(tenant: string, applied: readonly AppliedStream[]): void {
    const subs = this.byTenant.get(tenant);
    if (subs === undefined) return;
    for (const sub of subs) {
      for (const s of applied) {
        if (s.entries.length === 0 || !matchesAll(s.labels, sub.matchers)) continue;
        try {
          sub.listener(s.labels, s.entries);
        } catch {
          // A tailer's failure is its own (it closes its socket); the commit goes on.
        }
      }
    }
  }
}
