/**
 * Servers under test, each started as a child process on a loopback port with a fresh
 * data dir: Cairn (the built CLI), Prometheus 2.42 with its remote-write receiver, and
 * VictoriaMetrics 1.79 (Debian packages). Also reads a process's CPU time and memory
 * from /proc, so the server's cost is measured, not the load generator's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Target {
  readonly name: string;
  readonly pushUrl: string;
  readonly headers: Record<string, string>;
  /** Base of the Prometheus query API (`<queryBase>/query`, `/query_range`, `/labels`, ...); send `headers` too. */
  readonly queryBase: string;
  /** Makes everything written so far searchable, for stores that buffer (VictoriaMetrics); false if the store has no such endpoint. */
  flush?(): Promise<boolean>;
  /** The server's data directory (removed by `stop()`). */
  readonly dataDir: string;
  /** Cairn only: its admin token, for `/admin/api/v1/*`. */
  readonly adminToken?: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function which(cmd: string): string | undefined {
  const p = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
  return p === '' ? undefined : p;
}

async function waitReady(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready at ${url} after 30 s`);
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

const ROOT = join(import.meta.dirname, '..', '..');

export async function startCairn(env: Record<string, string> = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cairn-'));
  const port = await freePort();
  const admin = 'bench-admin-token-0123456789abcdef';
  // CAIRN_BENCH_NODE_ARGS: extra node flags for the server (e.g. `--cpu-prof --cpu-prof-dir=bench/.out`).
  const nodeArgs = (process.env.CAIRN_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  // CAIRN_BENCH_LOG=<file>: the server's JSON log (at info) goes there, for post-mortems.
  const logFile = process.env.CAIRN_BENCH_LOG;
  // CAIRN_BENCH_DIST: another build's directory under the repo (e.g. `dist-a`), for A/B runs.
  const dist = process.env.CAIRN_BENCH_DIST ?? 'dist';
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, dist, 'src/cli/main.js'), 'serve', '--data-dir', dir, '--host', '127.0.0.1', '--port', String(port), '--log-level', logFile === undefined ? 'warn' : 'info'], {
    env: { ...process.env, CAIRN_ADMIN_TOKEN: admin, CAIRN_LIMITS_INGESTION_RATE: '0', ...env },
    stdio: ['ignore', logFile === undefined ? 'ignore' : openSync(logFile, 'w'), 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/ready`, child, 'cairn');
  const res = await fetch(`${base}/admin/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'bench', scopes: 'read+write' }),
  });
  const { data } = (await res.json()) as { data: { token: string } };
  return {
    name: 'cairn',
    pushUrl: `${base}/api/v1/push`,
    headers: { 'x-scope-orgid': 'bench', authorization: `Bearer ${data.token}` },
    queryBase: `${base}/prometheus/api/v1`,
    dataDir: dir,
    adminToken: admin,
    pid: child.pid!,
    stop: stopper(child, dir),
  };
}

export async function startPrometheus(): Promise<Target | undefined> {
  const bin = which('prometheus');
  if (bin === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-prom-'));
  const port = await freePort();
  const cfg = join(dir, 'prometheus.yml');
  (await import('node:fs')).writeFileSync(cfg, 'global: {}\n');
  // The admin API is on for `snapshot`, which writes the head as a compacted block (bench/disk).
  const child = spawn(bin, [`--config.file=${cfg}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--web.enable-admin-api', '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitReady(`http://127.0.0.1:${port}/-/ready`, child, 'prometheus');
  return {
    name: 'prometheus-2.42',
    pushUrl: `http://127.0.0.1:${port}/api/v1/write`,
    headers: {},
    queryBase: `http://127.0.0.1:${port}/api/v1`,
    dataDir: join(dir, 'data'),
    pid: child.pid!,
    stop: stopper(child, dir),
  };
}

/** `extraArgs`: more command-line flags, e.g. `-search.latencyOffset=0s` for queries of fresh data. */
export async function startVictoriaMetrics(extraArgs: readonly string[] = []): Promise<Target | undefined> {
  const bin = which('victoria-metrics');
  if (bin === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-vm-'));
  const port = await freePort();
  const child = spawn(bin, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, 'data')}`, '-loggerLevel=ERROR', ...extraArgs], { stdio: ['ignore', 'ignore', 'ignore'] });
  await waitReady(`http://127.0.0.1:${port}/health`, child, 'victoria-metrics');
  const base = `http://127.0.0.1:${port}`;
  return {
    name: 'victoria-metrics-1.79',
    pushUrl: `${base}/api/v1/write`,
    headers: {},
    queryBase: `${base}/api/v1`,
    // Moves buffered rows into searchable parts (otherwise they become visible within about a second).
    flush: async () => {
      const res = await fetch(`${base}/internal/force_flush`);
      await res.arrayBuffer();
      return res.ok;
    },
    dataDir: join(dir, 'data'),
    pid: child.pid!,
    stop: stopper(child, dir),
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (Linux's USER_HZ, 100 on x86-64). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || '100');

/** CPU seconds (user + system) a process has used, including its threads. */
export function cpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of a process's main thread alone (its event loop: on a 2-core machine
 * shared with the load generator, a steadier figure than the whole process's, whose
 * worker and V8 helper threads run at a lower priority).
 */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** CPU seconds of each thread of a process by thread id (Linux; threads gone since are missing). */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Current and peak resident memory of a process, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
