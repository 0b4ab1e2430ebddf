// Proves the routing tree picks Alertmanager's routes (depth-first, `continue`, legacy match) and group labels and keys.
import { describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { formatLabelSet, groupLabels, matchRoutes } from '../../src/alertmanager/route-match.js';
import { labelsFromObject } from '../../src/model/labels.js';

const CONFIG = `
route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      group_by: [alertname, cluster]
      routes:
        - matchers: ['team=~"db|infra"']
          receiver: db-pager
    - matchers: ['team="frontend"']
      receiver: frontend
      continue: true
    - match: {team: frontend}
      receiver: frontend-audit
      group_by: ['...']
    - match_re: {service: "^api.*"}
      receiver: api
    - matchers: ['env!="prod"']
      receiver: nonprod
receivers:
  - name: default
  - name: pager
  - name: db-pager
  - name: frontend
  - name: frontend-audit
  - name: api
  - name: nonprod
`;

const config = parseAlertmanagerConfig(CONFIG, {});

describe('matchRoutes', () => {
  const cases: { name: string; labels: Record<string, string>; receivers: string[] }[] = [
    { name: 'no child matches: the root handles it', labels: { alertname: 'A', env: 'prod' }, receivers: ['default'] },
    { name: 'first matching child wins', labels: { alertname: 'A', severity: 'page', env: 'prod' }, receivers: ['pager'] },
    { name: 'depth-first into a grandchild', labels: { alertname: 'A', severity: 'page', team: 'db' }, receivers: ['db-pager'] },
    { name: 'grandchild regex is anchored', labels: { alertname: 'A', severity: 'page', team: 'dbx', env: 'prod' }, receivers: ['pager'] },
    { name: 'continue: true goes on to the next sibling', labels: { alertname: 'A', team: 'frontend', env: 'prod' }, receivers: ['frontend', 'frontend-audit'] },
    { name: 'stop after a match without continue', labels: { alertname: 'A', team: 'frontend', env: 'dev' }, receivers: ['frontend', 'frontend-audit'] },
    { name: 'legacy match_re is anchored (^api.* matches api-gw)', labels: { alertname: 'A', service: 'api-gw', env: 'prod' }, receivers: ['api'] },
    { name: 'a negative matcher matches a missing label', labels: { alertname: 'A' }, receivers: ['nonprod'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(matchRoutes(config.route, labelsFromObject(c.labels)).map((r) => r.receiver)).toEqual(c.receivers);
    });
  }
});

describe('group labels and keys', () => {
  const cases: { name: string; labels: Record<string, string>; keys: string[] }[] = [
    { name: 'root group_by alertname', labels: { alertname: 'X', env: 'prod', instance: 'i' }, keys: ['{}:{alertname="X"}'] },
    { name: 'child key has the parent key and its matchers', labels: { alertname: 'X', severity: 'page', cluster: 'c1', env: 'prod' }, keys: ['{}/{severity="page"}:{alertname="X", cluster="c1"}'] },
    { name: 'missing group_by labels are left out', labels: { alertname: 'X', severity: 'page', env: 'prod' }, keys: ['{}/{severity="page"}:{alertname="X"}'] },
    {
      name: '... groups by every label',
      labels: { alertname: 'X', team: 'frontend', env: 'prod' },
      keys: ['{}/{team="frontend"}:{alertname="X"}', '{}/{team="frontend"}:{alertname="X", env="prod", team="frontend"}'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ls = labelsFromObject(c.labels);
      expect(matchRoutes(config.route, ls).map((r) => `${r.key}:${formatLabelSet(groupLabels(r, ls))}`)).toEqual(c.keys);
    });
  }
});
