/**
 * Test helper for the CLI suites: a real server listening on loopback for the file's
 * tests, a token for one tenant, and a runner that drives a CLI command with captured
 * output (asserting the token is never printed) and its connection from CAIRN_* variables.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { CliIo } from '../../src/cli/http-client.js';
import type { RunningServer } from '../../src/server.js';
import { cleanupTempDirs, tempDir, testServer } from './server.js';

/** What one CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The server, token and runner of one test file; read the fields inside tests (they are set in `beforeAll`). */
export interface CliHarness {
  readonly running: RunningServer;
  readonly token: string;
  /** Runs the command with captured output; the connection comes from the environment, as CAIRN_* would give it. */
  run(...argv: string[]): Promise<CliRun>;
  /** Writes `text` to `name` in the file's temp dir and returns its path. */
  file(name: string, text: string): string;
}

/**
 * Registers `beforeAll`/`afterAll` hooks that start a listening server and create a token
 * for `tenant` with `scopes`, and returns the harness that `command` runs against.
 */
export function useCliServer(opts: { tenant: string; scopes: string; command: (argv: string[], io: CliIo) => Promise<number> }): CliHarness {
  let running: RunningServer | undefined;
  let token = '';
  let dir = '';

  beforeAll(async () => {
    running = await testServer({ 'server.http_listen_port': 0, 'server.http_listen_address': '127.0.0.1' }).start();
    await running.ready;
    token = running.tokens.create({ tenant: opts.tenant, scopes: opts.scopes }).token;
    dir = tempDir();
  });

  afterAll(async () => {
    await running?.stop();
    cleanupTempDirs();
  });

  const server = (): RunningServer => {
    if (running === undefined) throw new Error('BUG: the CLI test server is used before beforeAll started it');
    return running;
  };

  return {
    get running() {
      return server();
    },
    get token() {
      return token;
    },
    async run(...argv) {
      let out = '';
      let err = '';
      const io: CliIo = {
        stdout: (s) => (out += s),
        stderr: (s) => (err += s),
        env: { CAIRN_ADDRESS: server().url, CAIRN_TENANT: opts.tenant, CAIRN_TOKEN: token },
        fetch: globalThis.fetch,
      };
      const code = await opts.command(argv, io);
      expect(out + err).not.toContain(token);
      return { code, out, err };
    },
    file(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}
