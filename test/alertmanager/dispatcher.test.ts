// Proves the dispatcher's timers, dedup against the notification log, resolved handling, muting and retries, on manual timers.
import { describe, expect, it } from 'vitest';
import { fakeIntegration, harness, type Behaviour } from './harness.js';

const BASE = (opts: { sendResolved?: boolean; gw?: string; gi?: string; ri?: string; extra?: string } = {}) => `
route:
  receiver: r
  group_by: [alertname]
  group_wait: ${opts.gw ?? '30s'}
  group_interval: ${opts.gi ?? '5m'}
  repeat_interval: ${opts.ri ?? '4h'}
${opts.extra ?? ''}
receivers:
  - name: r
`;

type Step = { at: number; post?: { name: string; labels?: Record<string, string>; startS?: number; endS?: number }[]; silence?: Record<string, string> };

interface Scenario {
  name: string;
  yaml?: string;
  sendResolved?: boolean;
  behaviours?: Behaviour[];
  steps: Step[];
  /** Advance to this time at the end (s). */
  until: number;
  expected: string[];
}

const G = '{}:{alertname="A"}';

const scenarios: Scenario[] = [
  {
    name: 'first notification after group_wait',
    steps: [{ at: 0, post: [{ name: 'A' }] }, { at: 29 }],
    until: 31,
    expected: [`t=30 r ${G}: A`],
  },
  {
    name: 'an alert older than group_wait is notified at once',
    steps: [{ at: 1000, post: [{ name: 'A', startS: 100 }] }],
    until: 1001,
    expected: [`t=1000 r ${G}: A`],
  },
  {
    name: 'a new alert in the group waits for the next group_interval tick',
    steps: [
      { at: 0, post: [{ name: 'A', labels: { i: '1' }, endS: 99999 }] },
      { at: 40, post: [{ name: 'A', labels: { i: '2' }, endS: 99999 }] },
    ],
    until: 331,
    expected: [`t=30 r ${G}: A`, `t=330 r ${G}: A A`],
  },
  {
    name: 'unchanged: repeated only after repeat_interval (4h, a multiple of 5m)',
    yaml: BASE({ ri: '4h' }),
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }],
    until: 30 + 4 * 3600 + 1,
    expected: [`t=30 r ${G}: A`, `t=${30 + 4 * 3600} r ${G}: A`],
  },
  {
    name: 'repeat_interval is rounded up to a multiple of group_interval (7m → 10m)',
    yaml: BASE({ ri: '7m' }),
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }],
    until: 30 + 600 + 1,
    expected: [`t=30 r ${G}: A`, `t=630 r ${G}: A`],
  },
  {
    name: 'resolved before group_wait: nothing is sent',
    sendResolved: true,
    steps: [{ at: 0, post: [{ name: 'A' }] }, { at: 10, post: [{ name: 'A', startS: 0, endS: 10 }] }],
    until: 4000,
    expected: [],
  },
  {
    name: 'send_resolved: the resolution is sent once, then the group is gone',
    sendResolved: true,
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }, { at: 100, post: [{ name: 'A', startS: 0, endS: 100 }] }],
    until: 4000,
    expected: [`t=30 r ${G}: A`, `t=330 r ${G}: A+`],
  },
  {
    name: 'resolve_timeout: an alert not re-sent resolves by itself (5m)',
    sendResolved: true,
    steps: [{ at: 0, post: [{ name: 'A' }] }],
    until: 4000,
    expected: [`t=30 r ${G}: A`, `t=330 r ${G}: A+`],
  },
  {
    name: 'without send_resolved a partial resolution sends nothing; new firing alerts still do',
    sendResolved: false,
    steps: [
      { at: 0, post: [{ name: 'A', labels: { i: '1' }, endS: 99999 }, { name: 'A', labels: { i: '2' }, endS: 99999 }] },
      { at: 100, post: [{ name: 'A', labels: { i: '1' }, startS: 0, endS: 100 }] },
      { at: 400, post: [{ name: 'A', labels: { i: '3' }, endS: 99999 }] },
    ],
    until: 700,
    expected: [`t=30 r ${G}: A A`, `t=630 r ${G}: A A`],
  },
  {
    name: 'a silence mutes the alert; after it expires the alert is notified',
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }], silence: { alertname: 'A' } }],
    until: 3700,
    // The test silence lasts one hour: muted at 30 s, notified at the first tick after 3600 s.
    expected: [`t=3630 r ${G}: A`],
  },
  {
    name: 'a retryable failure is retried with backoff within the same flush',
    behaviours: ['retryable', 'ok'],
    steps: [{ at: 0, post: [{ name: 'A' }] }],
    until: 31,
    expected: [`t=30 r ${G}: A`],
  },
  {
    name: 'a 4xx-like failure is not retried; the next tick tries again (nothing was logged)',
    behaviours: ['fatal', 'ok'],
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }],
    until: 331,
    expected: [`t=330 r ${G}: A`],
  },
  {
    name: 'mute_time_intervals: no notification while the interval is on',
    yaml: BASE({
      extra: `  routes:
    - matchers: [alertname="A"]
      mute_time_intervals: [night]
time_intervals:
  - name: night
    time_intervals:
      - times: [{start_time: '00:00', end_time: '01:00'}]`,
    }),
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }],
    until: 3700,
    expected: [`t=3630 r {}/{alertname="A"}:{alertname="A"}: A`],
  },
  {
    name: 'active_time_intervals: only notified inside the interval',
    yaml: BASE({
      extra: `  routes:
    - matchers: [alertname="A"]
      active_time_intervals: [later]
time_intervals:
  - name: later
    time_intervals:
      - times: [{start_time: '02:00', end_time: '23:00'}]`,
    }),
    steps: [{ at: 0, post: [{ name: 'A', endS: 99999 }] }],
    until: 7300,
    expected: [`t=7230 r {}/{alertname="A"}:{alertname="A"}: A`],
  },
];

describe('dispatcher', () => {
  for (const s of scenarios) {
    it(s.name, async () => {
      const integ = fakeIntegration(s.sendResolved ?? true, 0, s.behaviours ?? ['ok']);
      const h = harness(s.yaml ?? BASE(), { r: [integ] });
      for (const step of s.steps) {
        await h.at(step.at);
        if (step.post !== undefined) h.post(step.post);
        if (step.silence !== undefined) {
          h.silences.set(
            {
              matchers: Object.entries(step.silence).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
              startsAtMs: h.timers.now(),
              endsAtMs: h.timers.now() + 3600_000,
              createdBy: 'test',
              comment: '',
            },
            h.timers.now(),
          );
        }
      }
      await h.at(s.until);
      expect(integ.sent).toEqual(s.expected);
    });
  }

  it('a hanging receiver does not delay another integration, and is aborted at the deadline', async () => {
    const dead = fakeIntegration(true, 0, ['hang']);
    const alive = fakeIntegration(true, 1, ['ok']);
    const h = harness(BASE(), { r: [dead, alive] });
    h.post([{ name: 'A', endS: 99999 }]);
    await h.at(30);
    expect(alive.sent).toEqual([`t=30 r ${G}: A`]);
    expect(dead.sent).toEqual([]);
    // The deadline is group_interval (5m): the hanging attempt is aborted, and retried on the next tick.
    await h.at(330);
    expect(dead.attempts).toBe(2);
    expect(alive.sent).toHaveLength(1);
  });

  it('inhibition: a firing source mutes the target; equal labels must match', async () => {
    const integ = fakeIntegration(true);
    const yaml = `
route:
  receiver: r
  group_by: ['...']
  group_wait: 30s
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
receivers:
  - name: r
`;
    const h = harness(yaml, { r: [integ] });
    h.post([
      { name: 'Crit', labels: { severity: 'critical', cluster: 'a' }, endS: 99999 },
      { name: 'WarnA', labels: { severity: 'warning', cluster: 'a' }, endS: 99999 },
      { name: 'WarnB', labels: { severity: 'warning', cluster: 'b' }, endS: 99999 },
    ]);
    await h.at(31);
    expect(integ.sent.map((s) => s.split(': ')[1]).sort()).toEqual(['Crit', 'WarnB']);
  });
});
