// The maintenance scheduler's lanes: a plan with a compaction lane runs its compactions in
// their own per-tenant chain, so a compaction in flight holds back neither the head's
// flushes nor a tick's head visit; each lane backs off on its own failures; an on-demand
// flush is the head flush followed by a forced compaction, their reports added. A plan
// without the lane (the metrics store) keeps one chain.
import { describe, expect, it } from 'vitest';
import { MaintenanceScheduler, type MaintenanceEvent, type MaintenancePlan, type StepRunner } from '../../src/storage/maintenance.js';

interface Store {
  readonly tenant: string;
}

/** A promise to hold a step with, and its release. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A plan whose steps log what they do, with its scheduler. */
class Harness {
  readonly log: string[] = [];
  readonly events: MaintenanceEvent<number>[] = [];
  /** Compactions wait for this while set. */
  hold: Promise<void> | undefined;
  /** The next compaction step throws. */
  failCompaction = false;
  readonly scheduler: MaintenanceScheduler<Store, number>;

  constructor(lanes: boolean) {
    const compaction = { compact: async (s: Store, step: StepRunner<number>, force: boolean) => step('compact', () => this.compaction(s, force)), add: (a: number, b: number) => a + b };
    const plan: MaintenancePlan<Store, number> = {
      ...(lanes ? { compaction } : {}),
      maintain: async (s, step) => {
        await step('flush', async () => (this.log.push(`maintain ${s.tenant}`), 1));
      },
      flush: async (s, step) => step('flush', async () => (this.log.push(`flush ${s.tenant}`), 1)),
      empty: 0,
      close: async () => undefined,
    };
    this.scheduler = new MaintenanceScheduler('test', () => [{ tenant: 't' }], plan, 3_600_000, (e) => this.events.push(e));
  }

  private async compaction(s: Store, force: boolean): Promise<number> {
    this.log.push(`compact ${s.tenant}${force ? ' force' : ''} start`);
    if (this.hold !== undefined) await this.hold;
    if (this.failCompaction) {
      this.failCompaction = false;
      throw new Error('disk full');
    }
    this.log.push(`compact ${s.tenant} end`);
    return 10;
  }
}

const harness = (lanes: boolean) => new Harness(lanes);

describe('MaintenanceScheduler lanes', () => {
  it('flushes the head while a compaction is still running', async () => {
    const h = harness(true);
    const g = gate();
    h.hold = g.promise;
    h.scheduler.tick();
    await tick();
    expect(h.log).toEqual(['maintain t', 'compact t start']);
    // The compaction is held: an on-demand flush still flushes the head at once, and its
    // forced compaction waits for the one in flight.
    const flushed = h.scheduler.flush([{ tenant: 't' }]);
    await tick();
    expect(h.log).toEqual(['maintain t', 'compact t start', 'flush t']);
    // A tick's head visit is not held either; the compaction lane is busy, so no second visit.
    h.scheduler.tick();
    await tick();
    expect(h.log).toEqual(['maintain t', 'compact t start', 'flush t', 'maintain t']);
    g.open();
    expect(await flushed).toEqual([{ tenant: 't', report: 11 }]);
    expect(h.log.slice(4)).toEqual(['compact t end', 'compact t force start', 'compact t end']);
    await h.scheduler.idle();
  });

  it('runs everything in one chain without a compaction lane', async () => {
    const h = harness(false);
    h.scheduler.tick();
    expect(await h.scheduler.flush([{ tenant: 't' }])).toEqual([{ tenant: 't', report: 1 }]);
    expect(h.log).toEqual(['maintain t', 'flush t']);
  });

  it('backs off only the lane that failed', async () => {
    const h = harness(true);
    h.failCompaction = true;
    h.scheduler.tick();
    await h.scheduler.idle();
    const failed = h.events.filter((e) => e.kind === 'failed');
    expect(failed.map((e) => [e.step, e.kind === 'failed' && e.failures])).toEqual([['compact', 1]]);
    h.log.length = 0;
    // The compaction lane waits out its backoff; the head lane goes on.
    h.scheduler.tick();
    await h.scheduler.idle();
    expect(h.log).toEqual(['maintain t']);
  });

  it('waits for both lanes in idle()', async () => {
    const h = harness(true);
    const g = gate();
    h.hold = g.promise;
    h.scheduler.tick();
    let idle = false;
    const waiting = h.scheduler.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    g.open();
    await waiting;
    expect(h.log).toEqual(['maintain t', 'compact t start', 'compact t end']);
  });
});
