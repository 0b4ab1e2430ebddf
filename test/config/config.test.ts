// Proves configuration precedence (defaults < YAML file < CAIRN_* env < flags), strict
// validation that names the key and source, and that /config never shows a secret.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALL_SPECS, defaultConfig, loadConfig, renderConfig } from '../../src/config/config.js';
import { envName } from '../../src/config/values.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

afterEach(cleanupTempDirs);

function yamlFile(text: string): string {
  const f = join(tempDir(), 'cairn.yaml');
  writeFileSync(f, text);
  return f;
}

describe('defaults', () => {
  it('serve the zero-config quick start', () => {
    const c = defaultConfig();
    expect(c.dataDir).toBe('./data');
    expect(c.server.httpListenPort).toBe(9009);
    expect(c.limits.maxGlobalSeriesPerUser).toBe(250_000);
    expect(c.limits.maxGlobalStreamsPerUser).toBe(5000);
    expect(c.limits.compactorBlocksRetentionPeriodMs).toBe(31 * 86_400_000);
    expect(c.limits.maxLineSize).toBe(256_000);
    expect(c.distributor.maxRecvMsgSize).toBe(104_857_600);
  });

  it('give every key a distinct environment variable', () => {
    const names = ALL_SPECS.flatMap((s) => [envName(s), ...(s.envAliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('precedence', () => {
  const file = () => yamlFile('server:\n  http_listen_port: 1111\n  log_level: debug\nlimits:\n  ingestion_rate: 5\n  compactor_blocks_retention_period: 7d\n');
  it.each([
    { name: 'file over defaults', env: {}, flags: {}, port: 1111, rate: 5 },
    { name: 'env over file', env: { CAIRN_SERVER_HTTP_LISTEN_PORT: '2222', CAIRN_LIMITS_INGESTION_RATE: '6' }, flags: {}, port: 2222, rate: 6 },
    { name: 'env alias over file', env: { CAIRN_PORT: '2323' }, flags: {}, port: 2323, rate: 5 },
    { name: 'flags over env', env: { CAIRN_PORT: '2222' }, flags: { 'server.http_listen_port': '3333' }, port: 3333, rate: 5 },
    { name: 'undefined flags leave env alone', env: { CAIRN_PORT: '2222' }, flags: { 'server.http_listen_port': undefined }, port: 2222, rate: 5 },
  ])('$name', ({ env, flags, port, rate }) => {
    const c = loadConfig({ file: file(), env, overrides: flags });
    expect(c.server.httpListenPort).toBe(port);
    expect(c.limits.ingestionRate).toBe(rate);
    expect(c.server.logLevel).toBe('debug');
    expect(c.limits.compactorBlocksRetentionPeriodMs).toBe(7 * 86_400_000);
  });
});

describe('validation', () => {
  it.each([
    { name: 'unknown key in file', yaml: 'server:\n  http_port: 1\n', error: /unknown key server\.http_port/ },
    { name: 'unknown limit', yaml: 'limits:\n  max_series: 1\n', error: /unknown key limits\.max_series/ },
    { name: 'non-numeric port', yaml: 'server:\n  http_listen_port: abc\n', error: /server\.http_listen_port.*expected a number/ },
    { name: 'bad duration', yaml: 'limits:\n  creation_grace_period: 10 minutes\n', error: /limits\.creation_grace_period/ },
    { name: 'bad enum', yaml: 'server:\n  log_level: loud\n', error: /one of fatal, error/ },
    { name: 'negative limit', yaml: 'limits:\n  max_global_series_per_user: -1\n', error: /at least 0/ },
    { name: 'compression level above 9', yaml: 'server:\n  response_compression_level: 10\n', error: /server\.response_compression_level.*at most 9/ },
    { name: 'bad byte size', yaml: 'limits:\n  max_line_size: lots\n', error: /byte size/ },
    { name: 'not YAML', yaml: 'server: [\n', error: /not valid YAML/ },
  ])('$name', ({ yaml, error }) => {
    const f = yamlFile(yaml);
    expect(() => loadConfig({ file: f })).toThrow(error);
    expect(() => loadConfig({ file: f })).toThrow(f);
  });

  it('names the environment variable that is wrong', () => {
    expect(() => loadConfig({ env: { CAIRN_PORT: 'x' } })).toThrow(/environment variable CAIRN_PORT/);
  });

  it('parses byte sizes as Loki does', () => {
    expect(loadConfig({ overrides: { 'limits.max_line_size': '1MiB' } }).limits.maxLineSize).toBe(1_048_576);
    expect(loadConfig({ overrides: { 'limits.max_line_size': '1MB' } }).limits.maxLineSize).toBe(1_000_000);
  });
});

describe('rendering for /config', () => {
  it('redacts secrets and round-trips through the loader', () => {
    const secret = 'super-secret-admin-token-value';
    const c = loadConfig({ env: { CAIRN_ADMIN_TOKEN: secret }, overrides: { 'limits.ingestion_rate': 42 } });
    const text = renderConfig(c);
    expect(text).not.toContain(secret);
    expect(text).toContain('admin_token: "********"');
    expect(text).toContain('compactor_blocks_retention_period: 31d');
    const again = loadConfig({ file: yamlFile(text.replace('"********"', '""')) });
    expect(again.limits.ingestionRate).toBe(42);
    expect(again.limits.compactorBlocksRetentionPeriodMs).toBe(c.limits.compactorBlocksRetentionPeriodMs);
  });

  it('shows only changed keys in diff mode', () => {
    const text = renderConfig(loadConfig({ overrides: { 'limits.ingestion_rate': 42 } }), 'diff');
    expect(text.trim()).toBe('limits:\n  ingestion_rate: 42');
  });
});
