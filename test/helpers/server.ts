/**
 * Test helpers: a fully wired server on a per-test temp data dir, silent, not listening,
 * for `app.inject()`; and temp dirs that clean themselves up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createServer, type CairnServer } from '../../src/server.js';
import type { Clock } from '../../src/util/clock.js';

const dirs: string[] = [];

/** A fresh temp dir, removed by `cleanupTempDirs()`. */
export function tempDir(prefix = 'cairn-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A wired server (not listening) on a temp dir with config keys set by dotted name. */
export function testServer(config: Record<string, unknown> = {}, clock?: Clock): CairnServer {
  const cfg = loadConfig({ overrides: { data_dir: tempDir(), 'server.log_level': 'silent', ...config } });
  return createServer({ config: cfg, logger: pino({ level: 'silent' }), ...(clock === undefined ? {} : { clock }) });
}
