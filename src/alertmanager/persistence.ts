/**
 * The Alertmanager's state in `system.db`: silences, the notification log and the alerts
 * of every tenant, written through on every change (each write is one small row, committed
 * before the call returns), so a restart neither repeats nor loses a notification and
 * silences outlive the process. Loaded once per tenant when its Alertmanager is created.
 *
 * Tables (module `alertmanager_state`): `am_silences`, `am_nflog`, `am_alerts`, each keyed
 * by tenant plus the object's id and holding the object as JSON (the shapes of this
 * module's types, times in ms).
 */
import { labelsFromObject, labelsToObject } from '../model/labels.js';
import { migrate, type SqlDatabase, type SqlStatement } from '../util/sqlite.js';
import type { AlertSink } from './alerts.js';
import type { NflogEntry, NflogSink } from './nflog.js';
import { receiverKeyString } from './nflog.js';
import type { Silence, SilenceSink } from './silences.js';
import type { Alert } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE am_silences (tenant TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant, id));
   CREATE TABLE am_nflog (tenant TEXT NOT NULL, group_key TEXT NOT NULL, receiver TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant, group_key, receiver));
   CREATE TABLE am_alerts (tenant TEXT NOT NULL, fingerprint TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (tenant, fingerprint));`,
];

/** An alert as stored: labels as an object, so the JSON is readable with sqlite3. */
interface StoredAlert extends Omit<Alert, 'labels'> {
  readonly labels: Record<string, string>;
}

/** The state of one tenant as loaded. */
export interface TenantState {
  readonly silences: Silence[];
  readonly nflog: NflogEntry[];
  readonly alerts: Alert[];
}

/** The sinks of one tenant: what its stores write through. */
export type TenantSinks = AlertSink & SilenceSink & NflogSink;

/** Reads and writes the Alertmanager state of every tenant. */
export class AlertmanagerPersistence {
  private readonly putSilenceStmt: SqlStatement;
  private readonly delSilenceStmt: SqlStatement;
  private readonly putNflogStmt: SqlStatement;
  private readonly delNflogStmt: SqlStatement;
  private readonly putAlertStmt: SqlStatement;
  private readonly delAlertStmt: SqlStatement;

  constructor(private readonly db: SqlDatabase) {
    migrate(db, 'alertmanager_state', MIGRATIONS);
    this.putSilenceStmt = db.prepare('INSERT INTO am_silences (tenant, id, body) VALUES (?, ?, ?) ON CONFLICT(tenant, id) DO UPDATE SET body = excluded.body');
    this.delSilenceStmt = db.prepare('DELETE FROM am_silences WHERE tenant = ? AND id = ?');
    this.putNflogStmt = db.prepare('INSERT INTO am_nflog (tenant, group_key, receiver, body) VALUES (?, ?, ?, ?) ON CONFLICT(tenant, group_key, receiver) DO UPDATE SET body = excluded.body');
    this.delNflogStmt = db.prepare('DELETE FROM am_nflog WHERE tenant = ? AND group_key = ? AND receiver = ?');
    this.putAlertStmt = db.prepare('INSERT INTO am_alerts (tenant, fingerprint, body) VALUES (?, ?, ?) ON CONFLICT(tenant, fingerprint) DO UPDATE SET body = excluded.body');
    this.delAlertStmt = db.prepare('DELETE FROM am_alerts WHERE tenant = ? AND fingerprint = ?');
  }

  /** Tenants with any stored state (their Alertmanagers start with the server). */
  tenants(): string[] {
    const rows = this.db
      .prepare<{ tenant: string }>('SELECT tenant FROM am_alerts UNION SELECT tenant FROM am_silences UNION SELECT tenant FROM am_nflog ORDER BY tenant')
      .all();
    return rows.map((r) => r.tenant);
  }

  load(tenant: string): TenantState {
    const bodies = (table: string) => this.db.prepare<{ body: string }>(`SELECT body FROM ${table} WHERE tenant = ?`).all(tenant).map((r) => JSON.parse(r.body) as unknown);
    return {
      silences: bodies('am_silences') as Silence[],
      nflog: bodies('am_nflog') as NflogEntry[],
      alerts: (bodies('am_alerts') as StoredAlert[]).map((a) => ({ ...a, labels: labelsFromObject(a.labels) })),
    };
  }

  /** The write-through sinks of one tenant. */
  sinks(tenant: string): TenantSinks {
    const putAlerts = this.db.transaction((alerts: readonly Alert[]) => {
      for (const a of alerts) this.putAlertStmt.run(tenant, a.fingerprint, JSON.stringify({ ...a, labels: labelsToObject(a.labels) }));
    });
    const deleteAlerts = this.db.transaction((fps: readonly string[]) => {
      for (const fp of fps) this.delAlertStmt.run(tenant, fp);
    });
    const deleteSilences = this.db.transaction((ids: readonly string[]) => {
      for (const id of ids) this.delSilenceStmt.run(tenant, id);
    });
    const deleteEntries = this.db.transaction((keys: readonly { groupKey: string; receiver: string }[]) => {
      for (const k of keys) this.delNflogStmt.run(tenant, k.groupKey, k.receiver);
    });
    return {
      putAlerts: (alerts) => {
        if (alerts.length > 0) putAlerts(alerts);
      },
      deleteAlerts: (fps) => deleteAlerts(fps),
      putSilence: (s) => void this.putSilenceStmt.run(tenant, s.id, JSON.stringify(s)),
      deleteSilences: (ids) => deleteSilences(ids),
      putEntry: (e) => void this.putNflogStmt.run(tenant, e.groupKey, receiverKeyString(e.receiver), JSON.stringify(e)),
      deleteEntries: (keys) => deleteEntries(keys),
    };
  }
}
