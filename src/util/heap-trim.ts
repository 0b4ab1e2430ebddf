/**
 * Hands the C heap's free memory back to the system on an interval (glibc's
 * `malloc_trim(0)`, through the native addon, off the main thread).
 *
 * Node allocates ArrayBuffers (request bodies, WAL buffers, chunks) with malloc. glibc
 * returns freed memory to the system only from the top of a heap, so after a burst the
 * freed pages in between stay in the process: after a sustained 90 MB/s log push, an RSS
 * of 1.7 GB with 0.3 GB in use, and 0.5 GB once trimmed (bench/RESULTS.md, "bounded memory
 * under sustained log ingest"). jemalloc and tcmalloc purge on their own; glibc needs
 * asking. A fixed mmap threshold (big buffers mapped and unmapped one by one) would avoid
 * the trims but made queries 20–50 % slower with its page faults.
 */
import type { Histogram } from 'prom-client';
import type { Service } from './service.js';

/** How often the heap is trimmed. */
export const HEAP_TRIM_INTERVAL_MS = 10_000;

export class HeapTrimmer implements Service {
  readonly name = 'heap-trimmer';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;

  /**
   * `trim` releases free memory and resolves whether it released any (undefined: nothing
   * to call, as without the addon; the service then does nothing). `duration` observes
   * each trim's seconds by whether it released memory.
   */
  constructor(
    private readonly trim: (() => Promise<boolean>) | undefined,
    private readonly intervalMs: number,
    private readonly duration?: Histogram<'released'>,
  ) {}

  async start(): Promise<void> {
    if (this.trim === undefined) return;
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Trims once now (or joins the trim in progress); resolves whether memory was released. */
  run(): Promise<boolean> {
    const trim = this.trim;
    if (trim === undefined) return Promise.resolve(false);
    if (this.running !== undefined) return this.running;
    const t0 = performance.now();
    const run = trim().then(
      (released) => {
        this.duration?.observe({ released: String(released) }, (performance.now() - t0) / 1000);
        return released;
      },
      // A trim that could not be queued leaves the memory where it was; the next one retries.
      () => false,
    );
    this.running = run;
    void run.finally(() => (this.running = undefined));
    return run;
  }
}
