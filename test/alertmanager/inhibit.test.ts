// Proves inhibition as Alertmanager's: firing sources only, equal labels (missing == empty), and the both-sides rule.
import { describe, expect, it } from 'vitest';
import { AlertStore, ingestAlerts } from '../../src/alertmanager/alerts.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { Inhibitor } from '../../src/alertmanager/inhibit.js';
import { labelsFromObject } from '../../src/model/labels.js';

function inhibitor(rules: string, alerts: { labels: Record<string, string>; endsAtMs?: number }[]) {
  const config = parseAlertmanagerConfig(`route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n${rules}`, {});
  const store = new AlertStore();
  const inh = new Inhibitor(config.inhibitRules, store);
  const { alerts: ok } = ingestAlerts(
    alerts.map((a) => ({ labels: a.labels, annotations: {}, startsAtMs: 1, endsAtMs: a.endsAtMs ?? 0, generatorURL: '' })),
    100,
    300_000,
  );
  store.put(ok, 100);
  return inh;
}

const RULE = `  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]`;
const BOTH = `  - source_matchers: ['kind=~"a|b"']
    target_matchers: ['kind=~"b|c"']
    equal: []`;

describe('inhibition', () => {
  const cases: { name: string; rules: string; alerts: { labels: Record<string, string>; endsAtMs?: number }[]; target: Record<string, string>; inhibited: boolean }[] = [
    { name: 'firing source with equal labels mutes', rules: RULE, alerts: [{ labels: { severity: 'critical', cluster: 'x' } }], target: { severity: 'warning', cluster: 'x' }, inhibited: true },
    { name: 'different equal label does not', rules: RULE, alerts: [{ labels: { severity: 'critical', cluster: 'x' } }], target: { severity: 'warning', cluster: 'y' }, inhibited: false },
    { name: 'missing equal label on both sides counts as equal', rules: RULE, alerts: [{ labels: { severity: 'critical' } }], target: { severity: 'warning' }, inhibited: true },
    { name: 'resolved source does not mute', rules: RULE, alerts: [{ labels: { severity: 'critical', cluster: 'x' }, endsAtMs: 50 }], target: { severity: 'warning', cluster: 'x' }, inhibited: false },
    { name: 'target not matching target_matchers', rules: RULE, alerts: [{ labels: { severity: 'critical', cluster: 'x' } }], target: { severity: 'info', cluster: 'x' }, inhibited: false },
    { name: 'both-sides alert is not inhibited by itself', rules: BOTH, alerts: [{ labels: { kind: 'b' } }], target: { kind: 'b' }, inhibited: false },
    { name: 'both-sides alert is not inhibited by another both-sides alert', rules: BOTH, alerts: [{ labels: { kind: 'b', n: '1' } }], target: { kind: 'b', n: '2' }, inhibited: false },
    { name: 'both-sides alert is inhibited by a source-only alert', rules: BOTH, alerts: [{ labels: { kind: 'a' } }], target: { kind: 'b' }, inhibited: true },
    { name: 'target-only alert is inhibited by a both-sides alert', rules: BOTH, alerts: [{ labels: { kind: 'b' } }], target: { kind: 'c' }, inhibited: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(inhibitor(c.rules, c.alerts).inhibitedBy(labelsFromObject(c.target), 100) !== undefined).toBe(c.inhibited);
    });
  }
});
