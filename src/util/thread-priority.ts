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
import { platform, setPriority } from 'node:os';

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
