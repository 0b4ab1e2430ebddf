/**
 * Deadline, cancellation and fairness for one LogQL query. The engine runs on the event
 * loop that also serves pushes, so long scans call `tick()` per entry: every
 * `CHECK_EVERY` calls it looks at the clock, and after `SLICE_MS` of work it yields to
 * the event loop (a push waits at most about one slice), then checks the deadline and
 * the client's abort signal.
 */
import { CairnError } from '../../util/errors.js';

/** Entries between clock reads: a read costs ~50 ns, an entry ~100 ns–1 µs. */
const CHECK_EVERY = 256;
/** Longest stretch of work before yielding: keeps push latency near this bound. */
const SLICE_MS = 20;

/** Loki's text for a query past its deadline (HTTP 504 on the Loki API). */
export const TIMEOUT_MESSAGE =
  'request timed out, decrease the duration of the request or add more label matchers (prefer exact match over regex match) to reduce the amount of data processed';

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A query's cancellation, as the API sets it when the client goes away: read, never written. */
export interface QuerySignal {
  readonly aborted: boolean;
}

export class QueryControl {
  private count = 0;
  private sliceStart = performance.now();
  private readonly deadline: number;

  constructor(
    timeoutMs: number,
    private readonly signal?: QuerySignal,
  ) {
    this.deadline = performance.now() + timeoutMs;
  }

  /** True when the caller should `await this.pause()` (cheap: a counter most of the time). */
  tick(): boolean {
    if (++this.count < CHECK_EVERY) return false;
    this.count = 0;
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  /**
   * True when this slice is up, by the clock alone: for the store to ask between chunks
   * (`LogSelectParams.pauseDue`), where a chunk is far more work than an entry.
   */
  due(): boolean {
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  /** Yields to the event loop, then throws if the query is past its deadline or aborted. */
  async pause(): Promise<void> {
    await yieldToLoop();
    this.sliceStart = performance.now();
    this.check();
  }

  /** Throws a `timeout` or `canceled` CairnError when due. */
  check(): void {
    if (this.signal?.aborted === true) throw new CairnError('canceled', 'canceled', 'the request was canceled by the client');
    if (performance.now() > this.deadline) throw new CairnError('timeout', 'query_timeout', TIMEOUT_MESSAGE);
  }
}
