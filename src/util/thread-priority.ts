/**
 * Lowers the calling thread's CPU priority, for worker threads whose work can wait
 * (writing and compacting blocks). On a small machine the workers, the main thread and the
 * clients' own processes compete for the same cores; a block write at normal priority
 * delayed pushes by whole scheduler slices. On Linux the nice value is per thread (NPTL),
 * and `setpriority(PRIO_PROCESS, 0, …)`, which `os.setPriority(0, …)` calls, applies to
 * the calling thread only, so the main thread keeps its priority. Elsewhere it would
 * lower the whole process: there it is not done. Raising one's nice value needs no
 * privilege; a failure is ignored (the work runs as before).
 */
import { readdirSync } from 'node:fs';
import { getPriority, platform, setPriority } from 'node:os';

/** Nice value of background worker threads (0 normal, 19 lowest). */
export const BACKGROUND_NICE = 10;

/** Sets the calling thread's nice value (Linux only); true when it was set. */
export function lowerThisThreadPriority(nice = BACKGROUND_NICE): boolean {
  if (platform() !== 'linux') return false;
  try {
    setPriority(0, nice);
    return true;
  } catch {
    return false;
  }
}

/** Threads Node starts besides V8's pool before any JavaScript runs: the delayed-task scheduler and the signal thread. */
const NODE_PLATFORM_EXTRA_THREADS = 2;
/** V8's platform pool size: Node's default, unless `--v8-pool-size` says otherwise. */
function v8PoolSize(): number {
  const flag = process.execArgv.find((a) => a.startsWith('--v8-pool-size='));
  const n = flag === undefined ? 4 : Number(flag.split('=')[1]);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/**
 * Lowers the priority of V8's platform threads, on Linux; returns how many it lowered.
 * They run garbage collection and JIT compilation in the background for every isolate, the
 * block workers' included, at normal priority, and took 0.3–0.65 of a core beside the main
 * thread while a worker wrote a block, so pushes waited for them (bench/compaction).
 * Lowered, they still use any idle core and only yield when a normal-priority thread (the
 * main thread, the WAL's I/O) wants one; V8 finishes a main-isolate collection on the main
 * thread itself when its helpers lag.
 *
 * Node creates these threads at startup before any JavaScript runs, so they hold the
 * lowest thread ids after the main thread's (which is the process id); libuv's thread pool
 * (file I/O: the WAL's writes), which the ESM loader may already have started, comes after
 * them and keeps its priority. Call it from the main thread, early.
 */
export function lowerHelperThreadPriority(nice = BACKGROUND_NICE): number {
  if (platform() !== 'linux') return 0;
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task')
      .map(Number)
      .filter((t) => t > process.pid)
      .sort((a, b) => a - b);
  } catch {
    return 0; // no /proc: nothing is lowered
  }
  let lowered = 0;
  for (const tid of tids.slice(0, v8PoolSize() + NODE_PLATFORM_EXTRA_THREADS)) {
    try {
      if (getPriority(tid) < nice) {
        setPriority(tid, nice);
        lowered++;
      }
    } catch {
      // The thread ended, or the call is refused: leave it as it is.
    }
  }
  return lowered;
}
