/**
 * Runs the built `cairn` CLI as a child process, the way a user runs it, and reads its
 * output. Requires `npm run build` (the test script builds first).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
}

/** Runs a CLI command to completion. */
export function cairn(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A `cairn serve` child with its output collected. */
export class ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env } });
    this.child.stdout.on('data', (d: Buffer) => this.onData(() => (this.stdout += d.toString())));
    this.child.stderr.on('data', (d: Buffer) => this.onData(() => (this.stderr += d.toString())));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  private onData(append: () => void): void {
    append();
    this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }

  /** Waits until stdout matches, or fails after `timeoutMs` with what was printed. */
  waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)), timeoutMs);
      const test = () => re.test(this.stdout);
      const done = () => {
        clearTimeout(timer);
        resolve(this.stdout.match(re)!);
      };
      if (test()) done();
      else this.waiters.push({ test, resolve: done });
    });
  }

  /** JSON log lines printed so far. */
  logs(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** The port from the `listening` log line. */
  async port(): Promise<number> {
    const m = await this.waitFor(/"port":(\d+),"dataDir"/);
    return Number(m[1]);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }
}
