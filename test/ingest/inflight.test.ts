// Pins the in-flight push limits' accounting: requests and body bytes counted from open to
// close, a request past either limit refused with Mimir's error id and words (503, the
// config key named), 0 meaning no limit, bytes learnt later checked and counted, close
// idempotent, and every refusal reported once with its reason.
import { describe, expect, it } from 'vitest';
import { InflightPushLimiter, MAX_INFLIGHT_BYTES, MAX_INFLIGHT_REQUESTS } from '../../src/ingest/inflight.js';
import { CairnError } from '../../src/util/errors.js';

function limiter(maxRequests: number, maxBytes: number) {
  const rejected: string[] = [];
  return { l: new InflightPushLimiter({ maxRequests, maxBytes }, { rejected: (r) => rejected.push(r) }), rejected };
}

function refusal(fn: () => unknown): CairnError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CairnError);
    return e as CairnError;
  }
  throw new Error('not refused');
}

describe('InflightPushLimiter', () => {
  it.each([
    { name: 'no limits', maxRequests: 0, maxBytes: 0, bodies: [1e9, 1e9, 1e9], admitted: 3 },
    { name: 'two requests', maxRequests: 2, maxBytes: 0, bodies: [10, 10, 10], admitted: 2 },
    { name: 'bytes: up to the limit exactly', maxRequests: 0, maxBytes: 100, bodies: [60, 40, 1], admitted: 2 },
    { name: 'bytes: a body alone over the limit', maxRequests: 0, maxBytes: 100, bodies: [101], admitted: 0 },
    { name: 'bytes: bodies of unknown length pass at first', maxRequests: 0, maxBytes: 100, bodies: [100, 0, 0], admitted: 3 },
  ])('$name', ({ maxRequests, maxBytes, bodies, admitted }) => {
    const { l } = limiter(maxRequests, maxBytes);
    let n = 0;
    for (const b of bodies) {
      try {
        l.open(b);
        n++;
      } catch {
        break;
      }
    }
    expect(n).toBe(admitted);
  });

  it('refuses the request past the count with Mimir words, and admits again once one closes', () => {
    const { l, rejected } = limiter(2, 0);
    const a = l.open(10);
    l.open(20);
    const e = refusal(() => l.open(5));
    expect([e.kind, e.reason]).toEqual(['unavailable', MAX_INFLIGHT_REQUESTS]);
    expect(e.message).toContain('exceeded the allowed number of inflight push requests (err-mimir-distributor-max-inflight-push-requests)');
    expect(e.message).toContain('distributor.instance_limits.max_inflight_push_requests');
    expect(l.inflight).toEqual({ requests: 2, bytes: 30 });
    a.close();
    a.close(); // idempotent
    expect(l.inflight).toEqual({ requests: 1, bytes: 20 });
    l.open(5);
    expect(rejected).toEqual([MAX_INFLIGHT_REQUESTS]);
  });

  it('checks and counts bytes learnt after admission, and frees them on close', () => {
    const { l, rejected } = limiter(0, 100);
    const a = l.open(0);
    a.addBytes(70);
    const b = l.open(0);
    const e = refusal(() => b.addBytes(31));
    expect([e.kind, e.reason]).toEqual(['unavailable', MAX_INFLIGHT_BYTES]);
    expect(e.message).toContain('(err-mimir-distributor-max-inflight-push-requests-bytes)');
    expect(e.message).toContain('distributor.instance_limits.max_inflight_push_requests_bytes');
    expect(l.inflight).toEqual({ requests: 2, bytes: 70 });
    b.addBytes(30);
    expect(l.inflight.bytes).toBe(100);
    a.close();
    b.close();
    b.addBytes(50); // after close: nothing
    expect(l.inflight).toEqual({ requests: 0, bytes: 0 });
    expect(rejected).toEqual([MAX_INFLIGHT_BYTES]);
  });
});
