/**
 * Test harness for the dispatcher: one tenant's stores, a configuration parsed from YAML,
 * manual timers, and fake integrations that record what they were asked to send.
 */
import { AlertStore, ingestAlerts } from '../../src/alertmanager/alerts.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { Dispatcher } from '../../src/alertmanager/dispatcher.js';
import { Inhibitor } from '../../src/alertmanager/inhibit.js';
import { NotificationLog } from '../../src/alertmanager/nflog.js';
import { Silences } from '../../src/alertmanager/silences.js';
import { ManualTimers } from '../../src/alertmanager/timers.js';
import { isResolved, NotifyError, type Integration, type NotificationData } from '../../src/alertmanager/types.js';

/** How a fake integration answers. */
export type Behaviour = 'ok' | 'retryable' | 'fatal' | 'hang';

export interface FakeIntegration extends Integration {
  /** `t=<s> <receiver>: <alertname>[+] …` per delivered notification (+ = resolved). */
  readonly sent: string[];
  attempts: number;
  /** Answers per attempt, the last one repeating. */
  behaviours: Behaviour[];
}

export function fakeIntegration(sendResolved: boolean, index = 0, behaviours: Behaviour[] = ['ok']): FakeIntegration {
  const f: FakeIntegration = {
    kind: 'webhook',
    index,
    sendResolved,
    sent: [],
    attempts: 0,
    behaviours,
    async notify(data: NotificationData, signal: AbortSignal) {
      const b = f.behaviours[Math.min(f.attempts, f.behaviours.length - 1)]!;
      f.attempts++;
      if (b === 'hang') {
        await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new NotifyError('aborted', false))));
      }
      if (b === 'retryable') throw new NotifyError('unexpected status code 503', true);
      if (b === 'fatal') throw new NotifyError('unexpected status code 400', false);
      f.sent.push(describe(data));
    },
  };
  return f;
}

/** One notification as text. */
export function describe(d: NotificationData): string {
  const names = d.alerts.map((a) => `${a.labels.find((l) => l.name === 'alertname')?.value ?? '?'}${isResolved(a, d.nowMs) ? '+' : ''}`);
  return `t=${d.nowMs / 1000} ${d.receiver} ${d.groupKey}: ${names.join(' ')}`;
}

export interface Harness {
  readonly timers: ManualTimers;
  readonly store: AlertStore;
  readonly silences: Silences;
  readonly nflog: NotificationLog;
  readonly dispatcher: Dispatcher;
  /** Posts alerts (name → optional labels and end in seconds; end 0 = unset). */
  post(alerts: { name: string; labels?: Record<string, string>; startS?: number; endS?: number }[]): void;
  /** Advances to `s` seconds, running due timers and the flushes they start (fakes never do real I/O). */
  at(s: number): Promise<void>;
}

export function harness(yaml: string, integrations: Record<string, Integration[]>, start = 0): Harness {
  const config = parseAlertmanagerConfig(yaml, {});
  const timers = new ManualTimers(start);
  const store = new AlertStore();
  const silences = new Silences({ retentionMs: 120 * 3600_000 });
  const nflog = new NotificationLog(120 * 3600_000);
  const inhibitor = new Inhibitor(config.inhibitRules, store);
  const dispatcher = new Dispatcher({
    tenant: 't',
    config,
    store,
    silences,
    inhibitor,
    nflog,
    integrations: (r) => integrations[r] ?? [],
    timers,
    externalURL: 'http://cairn/alertmanager',
    retry: { initialMs: 500, multiplier: 1.5, maxMs: 60_000 },
  });
  return {
    timers,
    store,
    silences,
    nflog,
    dispatcher,
    post(list) {
      const now = timers.now();
      const { alerts, errors } = ingestAlerts(
        list.map((a) => ({
          labels: { alertname: a.name, ...a.labels },
          annotations: {},
          startsAtMs: a.startS === undefined ? 0 : a.startS * 1000,
          endsAtMs: a.endS === undefined || a.endS === 0 ? 0 : a.endS * 1000,
          generatorURL: '',
        })),
        now,
        config.resolveTimeoutMs,
      );
      if (errors.length > 0) throw new Error(errors.join('; '));
      store.put(alerts, now);
    },
    async at(s) {
      await timers.advanceTo(s * 1000);
    },
  };
}
