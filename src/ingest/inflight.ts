/**
 * Mimir's distributor instance limits on push requests in flight: how many are being
 * handled at once and how many body bytes they hold, across all tenants
 * (`distributor.instance_limits.max_inflight_push_requests`, `…_bytes`). A request past
 * either is refused with Mimir's words and error id (`unavailable`: 503, which senders
 * retry), so a burst of pushes, or a few very large ones, sheds load instead of growing
 * the heap until the process dies. The transport (api/push-inflight.ts) opens a slot when
 * a request arrives and closes it when its answer is done.
 */
import { CairnError } from '../util/errors.js';

export interface InflightLimits {
  /** Requests at once; 0 = no limit. */
  readonly maxRequests: number;
  /** Body bytes at once; 0 = no limit. */
  readonly maxBytes: number;
}

/** What the limiter reports to self-metrics (the counts in flight are read from `inflight`). */
export interface InflightObserver {
  rejected(reason: typeof MAX_INFLIGHT_REQUESTS | typeof MAX_INFLIGHT_BYTES): void;
}

export const MAX_INFLIGHT_REQUESTS = 'distributor_max_inflight_push_requests';
export const MAX_INFLIGHT_BYTES = 'distributor_max_inflight_push_requests_bytes';

const tooManyRequests = (): CairnError =>
  new CairnError(
    'unavailable',
    MAX_INFLIGHT_REQUESTS,
    'the write request has been rejected because the distributor exceeded the allowed number of inflight push requests (err-mimir-distributor-max-inflight-push-requests). To adjust the related limit, configure distributor.instance_limits.max_inflight_push_requests, or contact your service administrator.',
  );

const tooManyBytes = (): CairnError =>
  new CairnError(
    'unavailable',
    MAX_INFLIGHT_BYTES,
    'the write request has been rejected because the distributor exceeded the allowed total size in bytes of inflight push requests (err-mimir-distributor-max-inflight-push-requests-bytes). To adjust the related limit, configure distributor.instance_limits.max_inflight_push_requests_bytes, or contact your service administrator.',
  );

/** One admitted request: its bytes may be added once known, and it is closed once. */
export interface InflightSlot {
  /** Adds body bytes learnt after admission (a body sent without a Content-Length); throws past the limit. */
  addBytes(n: number): void;
  /** Frees the slot; later calls do nothing. */
  close(): void;
}

export class InflightPushLimiter {
  private requests = 0;
  private bytes = 0;

  constructor(
    private readonly limits: InflightLimits,
    private readonly observer?: InflightObserver,
  ) {}

  /** Requests and body bytes in flight now. */
  get inflight(): { readonly requests: number; readonly bytes: number } {
    return { requests: this.requests, bytes: this.bytes };
  }

  /**
   * Admits a request whose body holds `bytes` (0 when not known yet), or throws the
   * limit's CairnError. As in Mimir, a request is refused when it would take the count
   * past the limit, so a single body larger than the byte limit is always refused.
   */
  open(bytes: number): InflightSlot {
    const maxRequests = this.limits.maxRequests;
    if (maxRequests > 0 && this.requests + 1 > maxRequests) {
      this.observer?.rejected(MAX_INFLIGHT_REQUESTS);
      throw tooManyRequests();
    }
    this.checkBytes(bytes);
    this.requests++;
    this.bytes += bytes;
    let held = bytes;
    let open = true;
    return {
      addBytes: (n) => {
        if (!open || n <= 0) return;
        this.checkBytes(n);
        held += n;
        this.bytes += n;
      },
      close: () => {
        if (!open) return;
        open = false;
        this.requests--;
        this.bytes -= held;
      },
    };
  }

  private checkBytes(n: number): void {
    const max = this.limits.maxBytes;
    if (max > 0 && this.bytes + n > max) {
      this.observer?.rejected(MAX_INFLIGHT_BYTES);
      throw tooManyBytes();
    }
  }
}
