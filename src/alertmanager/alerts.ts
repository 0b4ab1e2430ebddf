/**
 * A tenant's alerts (Alertmanager's `provider/mem`): one alert per fingerprint, merged with
 * the stored one when their activity ranges overlap, listened to by the dispatcher and
 * the inhibitor, and garbage-collected once resolved. Also the ingestion rules of
 * `POST /api/v2/alerts` (`api/v2/api.go`): defaults for missing times, `resolve_timeout`,
 * and validation with Alertmanager's messages.
 */
import { labelsFromObject, type Labels } from '../model/labels.js';
import { fingerprint } from './fingerprint.js';
import { isResolved, type Alert } from './types.js';

/** An alert as posted: times in ms, 0 = not sent (Go's zero `time.Time`). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly generatorURL: string;
}

/** Prometheus's label name rule (`model.LabelName.IsValid`, legacy validation). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Alertmanager's `types.Alert.Validate` text for one alert, or undefined when valid. */
function validate(a: Alert, annotations: Readonly<Record<string, string>>): string | undefined {
  if (a.endsAtMs !== 0 && a.endsAtMs < a.startsAtMs) return 'start time must be before end time';
  for (const l of a.labels) if (!LABEL_NAME.test(l.name)) return `invalid label set: invalid name ${JSON.stringify(l.name)}`;
  if (a.labels.length === 0) return 'at least one label pair required';
  for (const name of Object.keys(annotations)) if (!LABEL_NAME.test(name)) return `invalid annotations: invalid name ${JSON.stringify(name)}`;
  return undefined;
}

/**
 * Turns posted alerts into stored ones at `nowMs`, as Alertmanager's API does: a missing
 * start is now (or the end, when only that was sent); a missing end is now +
 * `resolveTimeoutMs` and marks the alert `timeout` (it resolves unless re-sent); empty
 * label values are dropped. Returns the valid alerts and the messages of the invalid ones.
 */
export function ingestAlerts(posted: readonly PostableAlert[], nowMs: number, resolveTimeoutMs: number): { alerts: Alert[]; errors: string[] } {
  const alerts: Alert[] = [];
  const errors: string[] = [];
  for (const p of posted) {
    const startsAtMs = p.startsAtMs !== 0 ? p.startsAtMs : p.endsAtMs !== 0 ? p.endsAtMs : nowMs;
    const timeout = p.endsAtMs === 0;
    const labels: Labels = labelsFromObject(p.labels);
    const annotations = Object.fromEntries(Object.entries(p.annotations).filter(([, v]) => v !== ''));
    const alert: Alert = {
      labels,
      annotations,
      startsAtMs,
      endsAtMs: timeout ? nowMs + resolveTimeoutMs : p.endsAtMs,
      updatedAtMs: nowMs,
      generatorURL: p.generatorURL,
      fingerprint: fingerprint(labels),
      timeout,
    };
    // Validated after the defaults, as Alertmanager does (a start after now + resolve_timeout fails).
    const err = validate(alert, annotations);
    if (err === undefined) alerts.push(alert);
    else errors.push(err);
  }
  return { alerts, errors };
}

/**
 * Alertmanager's `types.Alert.Merge`: the younger alert (later `updatedAt`) wins, the
 * earliest start is kept, and an explicit end beats a timeout-derived one.
 */
export function mergeAlerts(a: Alert, o: Alert, nowMs: number): Alert {
  if (o.updatedAtMs < a.updatedAtMs) return mergeAlerts(o, a, nowMs);
  let startsAtMs = o.startsAtMs;
  let endsAtMs = o.endsAtMs;
  if (a.startsAtMs < o.startsAtMs) startsAtMs = a.startsAtMs;
  if (isResolved(o, nowMs)) {
    // The latest explicit resolved timestamp wins if both are resolved.
    if (isResolved(a, nowMs) && a.endsAtMs > o.endsAtMs) endsAtMs = a.endsAtMs;
  } else if (a.endsAtMs > o.endsAtMs && !a.timeout) {
    // A non-timeout end always rules when it is the latest.
    endsAtMs = a.endsAtMs;
  }
  return { ...o, startsAtMs, endsAtMs };
}

/** Told about every alert stored (new or changed), in order. */
export type AlertListener = (alert: Alert) => void;

/** Persists the tenant's alerts; see persistence.ts. */
export interface AlertSink {
  putAlerts(alerts: readonly Alert[]): void;
  deleteAlerts(fingerprints: readonly string[]): void;
}

/** One tenant's alerts. Synchronous; listeners run inside `put`. */
export class AlertStore {
  private readonly alerts = new Map<string, Alert>();
  private readonly listeners = new Set<AlertListener>();

  constructor(private readonly sink?: AlertSink) {}

  /**
   * Stores alerts with `provider/mem`'s rule: a new alert is merged with the stored one of
   * the same fingerprint only when their activity ranges overlap; otherwise it replaces it
   * (a new incident of the same alert).
   */
  put(alerts: readonly Alert[], nowMs: number): void {
    const stored: Alert[] = [];
    for (let alert of alerts) {
      const old = this.alerts.get(alert.fingerprint);
      if (old !== undefined) {
        const overlaps = (alert.endsAtMs > old.startsAtMs && alert.endsAtMs < old.endsAtMs) || (alert.startsAtMs > old.startsAtMs && alert.startsAtMs < old.endsAtMs);
        if (overlaps) alert = mergeAlerts(old, alert, nowMs);
      }
      this.alerts.set(alert.fingerprint, alert);
      stored.push(alert);
    }
    this.sink?.putAlerts(stored);
    for (const a of stored) for (const l of this.listeners) l(a);
  }

  /** Loads alerts from persistence without telling the sink (listeners are told on subscribe). */
  restore(alerts: readonly Alert[]): void {
    for (const a of alerts) this.alerts.set(a.fingerprint, a);
  }

  get(fp: string): Alert | undefined {
    return this.alerts.get(fp);
  }

  /** Every alert, resolved ones included until GC. */
  list(): Alert[] {
    return [...this.alerts.values()];
  }

  get size(): number {
    return this.alerts.size;
  }

  /** Firing alerts at `nowMs`. */
  firing(nowMs: number): number {
    let n = 0;
    for (const a of this.alerts.values()) if (!isResolved(a, nowMs)) n++;
    return n;
  }

  /**
   * Registers a listener and replays every stored alert to it first (as `mem.Subscribe`
   * does), so a dispatcher built after a reload or restart sees the current alerts.
   */
  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    for (const a of this.alerts.values()) listener(a);
    return () => void this.listeners.delete(listener);
  }

  /** Drops alerts resolved at `nowMs` (Alertmanager's GC); returns their fingerprints. */
  gc(nowMs: number): string[] {
    const gone: string[] = [];
    for (const [fp, a] of this.alerts) if (isResolved(a, nowMs)) gone.push(fp);
    for (const fp of gone) this.alerts.delete(fp);
    if (gone.length > 0) this.sink?.deleteAlerts(gone);
    return gone;
  }
}
