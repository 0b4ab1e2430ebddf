// Proves per-tenant overrides in Mimir's runtime-config format: parsing, merging with
// defaults, live reload on change, and that a bad edit keeps the last good overrides.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { Overrides, RuntimeConfigLoader, parseRuntimeConfig } from '../../src/config/overrides.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

afterEach(cleanupTempDirs);

describe('parseRuntimeConfig', () => {
  it.each([
    { name: 'empty file', text: '', tenants: 0 },
    { name: 'empty overrides', text: 'overrides:\n', tenants: 0 },
    { name: 'two tenants', text: 'overrides:\n  a:\n    ingestion_rate: 1\n  b:\n    compactor_blocks_retention_period: 1d\n', tenants: 2 },
  ])('$name', ({ text, tenants }) => {
    expect(parseRuntimeConfig(text, 'f').size).toBe(tenants);
  });

  it.each([
    { name: 'unknown top-level key', text: 'limits: {}\n', error: /unknown key limits/ },
    { name: 'unknown limit', text: 'overrides:\n  a:\n    rate: 1\n', error: /unknown limit rate for tenant a/ },
    { name: 'bad value', text: 'overrides:\n  a:\n    ingestion_rate: fast\n', error: /ingestion_rate.*tenant a/ },
    { name: 'not a mapping', text: 'overrides:\n  a: 3\n', error: /tenant a must be a mapping/ },
  ])('refuses $name', ({ text, error }) => {
    expect(() => parseRuntimeConfig(text, 'f')).toThrow(error);
  });
});

describe('Overrides', () => {
  it('merges a tenant’s overrides over the defaults and leaves others alone', () => {
    const o = new Overrides(defaultConfig().limits);
    o.replace(parseRuntimeConfig('overrides:\n  a:\n    max_global_series_per_user: 10\n', 'f'));
    expect(o.forTenant('a').maxGlobalSeriesPerUser).toBe(10);
    expect(o.forTenant('a').ingestionRate).toBe(defaultConfig().limits.ingestionRate);
    expect(o.forTenant('b').maxGlobalSeriesPerUser).toBe(250_000);
    expect(o.render()).toContain('max_global_series_per_user: 10');
  });
});

describe('RuntimeConfigLoader', () => {
  it('reloads changes, ignores unchanged content, and keeps the last good file on errors', async () => {
    const file = join(tempDir(), 'runtime.yaml');
    writeFileSync(file, 'overrides:\n  a:\n    ingestion_rate: 1\n');
    const o = new Overrides(defaultConfig().limits);
    const events: string[] = [];
    const loader = new RuntimeConfigLoader(file, 60_000, o, (e) => events.push(e.kind));
    await loader.start();
    expect(o.forTenant('a').ingestionRate).toBe(1);

    expect((await loader.reload()).kind).toBe('unchanged');
    writeFileSync(file, 'overrides:\n  a:\n    ingestion_rate: 2\n');
    expect((await loader.reload()).kind).toBe('loaded');
    expect(o.forTenant('a').ingestionRate).toBe(2);

    writeFileSync(file, 'overrides:\n  a:\n    ingestion_rate: [\n');
    expect((await loader.reload()).kind).toBe('failed');
    expect(o.forTenant('a').ingestionRate).toBe(2);
    await loader.stop();
    expect(events).toEqual(['loaded', 'unchanged', 'loaded', 'failed']);
  });

  it('fails the start on a bad file, as Mimir does', async () => {
    const file = join(tempDir(), 'runtime.yaml');
    writeFileSync(file, 'overrides:\n  a:\n    nope: 1\n');
    const loader = new RuntimeConfigLoader(file, 60_000, new Overrides(defaultConfig().limits));
    await expect(loader.start()).rejects.toThrow(/unknown limit nope/);
  });
});
