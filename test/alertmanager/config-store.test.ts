// Proves the per-tenant configuration store keeps texts verbatim in system.db across reopen, notifies listeners, and serves the fallback configuration (built-in or from a file) to tenants without one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteAlertmanagerConfigStore, loadFallbackConfig } from '../../src/alertmanager/config-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { openSqlite } from '../../src/util/sqlite.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

afterAll(cleanupTempDirs);

const CFG = 'route:\n  receiver: hook\n  group_by: [alertname]\nreceivers:\n  - name: hook\n    webhook_configs: [{url: "http://localhost:1/x"}]\n';

describe('SqliteAlertmanagerConfigStore', () => {
  it('stores, reads back verbatim, survives a reopen, deletes, and tells listeners', () => {
    const dir = tempDir();
    const clock = new ManualClock(1_700_000_000_000);
    let db = openSqlite(join(dir, 'system.db'));
    const store = new SqliteAlertmanagerConfigStore(db, { clock });
    const heard: string[] = [];
    store.onChange((t) => heard.push(t));

    expect(store.get('t1')).toBeUndefined();
    expect(store.configFor('t1').stored).toBe(false);
    store.put('t1', { alertmanagerConfig: CFG, templateFiles: { 'a.tmpl': '{{ define "a" }}x{{ end }}' } });
    expect(store.get('t1')).toEqual({ alertmanagerConfig: CFG, templateFiles: { 'a.tmpl': '{{ define "a" }}x{{ end }}' }, updatedMs: 1_700_000_000_000 });
    const eff = store.configFor('t1');
    expect(eff.stored).toBe(true);
    expect(eff.config.route.receiver).toBe('hook');
    expect(store.configFor('t1')).toBe(eff); // cached until a change
    expect(store.tenants()).toEqual(['t1']);
    db.close();

    db = openSqlite(join(dir, 'system.db'));
    const reopened = new SqliteAlertmanagerConfigStore(db, { clock });
    reopened.onChange((t) => heard.push(`re:${t}`));
    expect(reopened.get('t1')?.alertmanagerConfig).toBe(CFG);
    expect(reopened.delete('t1')).toBe(true);
    expect(reopened.delete('t1')).toBe(false);
    expect(reopened.configFor('t1')).toMatchObject({ stored: false });
    expect(heard).toEqual(['t1', 're:t1']);
    db.close();
  });

  it('runs a stored configuration that no longer parses on the fallback, saying why', () => {
    const db = openSqlite(join(tempDir(), 'system.db'));
    const store = new SqliteAlertmanagerConfigStore(db, { clock: new ManualClock(0) });
    store.put('t', { alertmanagerConfig: 'route: {receiver: nope}\n', templateFiles: {} });
    expect(store.configFor('t')).toMatchObject({ stored: true, error: 'undefined receiver "nope" used in route' });
    expect(store.configFor('t').config.route.receiver).toBe('empty-receiver');
    db.close();
  });
});

describe('fallback configuration', () => {
  it('is Mimir’s built-in one by default: one receiver without integrations', () => {
    const cfg = loadFallbackConfig('');
    expect(cfg.route).toMatchObject({ receiver: 'empty-receiver', key: '{}', groupBy: { all: false, labels: [] }, groupWaitMs: 30_000 });
    expect([...cfg.receivers.values()]).toEqual([{ name: 'empty-receiver', integrations: [] }]);
  });

  it('comes from a file, refused with Mimir’s texts when unreadable or invalid', () => {
    const dir = tempDir();
    const good = join(dir, 'fallback.yaml');
    writeFileSync(good, CFG);
    expect(loadFallbackConfig(good).route.receiver).toBe('hook');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'route: {receiver: x}\n');
    expect(() => loadFallbackConfig(bad)).toThrow(`unable to load fallback config "${bad}": undefined receiver "x" used in route`);
    expect(() => loadFallbackConfig(join(dir, 'missing.yaml'))).toThrow(/^unable to read fallback config ".*missing\.yaml": ENOENT/);
  });
});
