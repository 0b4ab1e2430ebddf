// Proves the Alertmanager configuration parser reads Mimir tenants' YAML as Alertmanager and Mimir do: defaults, inheritance, matchers, route keys, time intervals, receivers, and the exact error texts.
import { describe, expect, it } from 'vitest';
import { ConfigValidationError, globRegExp, parseAlertmanagerConfig, templateNameError } from '../../src/alertmanager/config.js';
import { formatMatchers, parseMatchers } from '../../src/alertmanager/config-matchers.js';
import type { Route } from '../../src/alertmanager/types.js';

const parse = (yaml: string, files: Record<string, string> = {}) => parseAlertmanagerConfig(yaml, files);
const errorOf = (yaml: string, files: Record<string, string> = {}, limits?: { alertmanagerMaxTemplatesCount: number; alertmanagerMaxTemplateSizeBytes: number }) => {
  try {
    parseAlertmanagerConfig(yaml, files, limits === undefined ? {} : { limits });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigValidationError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

const R = 'receivers: [{name: r}]\n';

describe('invalid configurations, with Alertmanager and Mimir texts', () => {
  const rows: { name: string; yaml: string; files?: Record<string, string>; error: string }[] = [
    { name: 'empty document', yaml: '   \n# nothing\n', error: 'no route provided in config' },
    { name: 'no route', yaml: R, error: 'no routes provided' },
    { name: 'root without receiver', yaml: `route: {group_by: [a]}\n${R}`, error: 'root route must specify a default receiver' },
    { name: 'root with matchers', yaml: `route: {receiver: r, matchers: ['a="b"']}\n${R}`, error: 'root route must not have any matchers' },
    { name: 'root with match', yaml: `route: {receiver: r, match: {a: b}}\n${R}`, error: 'root route must not have any matchers' },
    { name: 'root with mute intervals', yaml: `route: {receiver: r, mute_time_intervals: [x]}\n${R}`, error: 'root route must not have any mute time intervals' },
    { name: 'root with active intervals', yaml: `route: {receiver: r, active_time_intervals: [x]}\n${R}`, error: 'root route must not have any active time intervals' },
    { name: 'root continue', yaml: `route: {receiver: r, continue: true}\n${R}`, error: 'cannot have continue in root route' },
    { name: 'undefined receiver', yaml: `route: {receiver: r, routes: [{receiver: x}]}\n${R}`, error: 'undefined receiver "x" used in route' },
    { name: 'duplicate receivers', yaml: 'route: {receiver: r}\nreceivers: [{name: r}, {name: r}]\n', error: 'notification config name "r" is not unique' },
    { name: 'receiver without name', yaml: 'route: {receiver: r}\nreceivers: [{webhook_configs: [{url: "http://a/b"}]}]\n', error: 'missing name in receiver' },
    { name: 'unknown top-level key', yaml: `route: {receiver: r}\n${R}foo: 1\n`, error: 'yaml: unmarshal errors:\n  line 3: field foo not found in type config.plain' },
    {
      name: 'several unknown keys at once',
      yaml: `route:\n  receiver: r\n  recevier: x\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://a/b\n        sendresolved: true\n`,
      error: 'yaml: unmarshal errors:\n  line 3: field recevier not found in type config.plain\n  line 8: field sendresolved not found in type config.plain',
    },
    { name: 'wrong type', yaml: `route: {receiver: r, group_by: alertname}\n${R}`, error: 'yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `alertname` into []string' },
    { name: 'bad duration', yaml: `route: {receiver: r, group_wait: 30x}\n${R}`, error: 'not a valid duration string: "30x"' },
    { name: 'zero group_interval', yaml: `route: {receiver: r, group_interval: 0s}\n${R}`, error: 'group_interval cannot be zero' },
    { name: 'zero repeat_interval', yaml: `route: {receiver: r, repeat_interval: 0}\n${R}`, error: 'repeat_interval cannot be zero' },
    { name: 'wildcard and labels', yaml: `route: {receiver: r, group_by: ['...', a]}\n${R}`, error: 'cannot have wildcard group_by (`...`) and other labels at the same time' },
    { name: 'duplicated group_by', yaml: `route: {receiver: r, group_by: [a, a]}\n${R}`, error: 'duplicated label "a" in group_by' },
    { name: 'invalid group_by label', yaml: `route: {receiver: r, group_by: [a-b]}\n${R}`, error: 'invalid label name "a-b" in group_by list' },
    { name: 'bad matcher', yaml: `route: {receiver: r, routes: [{matchers: ['a']}]}\n${R}`, error: 'bad matcher format: a' },
    { name: 'unescaped quote', yaml: `route: {receiver: r, routes: [{matchers: ['a="b"c"']}]}\n${R}`, error: 'matcher value contains unescaped double quote: "b"c"' },
    { name: 'bad regex', yaml: `route: {receiver: r, routes: [{matchers: ['a=~"("']}]}\n${R}`, error: 'error parsing regexp: missing closing ): `^(?:()$`' },
    { name: 'invalid match label', yaml: `route: {receiver: r, routes: [{match: {a-b: c}}]}\n${R}`, error: 'invalid label name "a-b"' },
    { name: 'undefined time interval', yaml: `route: {receiver: r, routes: [{mute_time_intervals: [night]}]}\n${R}`, error: 'undefined time interval "night" used in route' },
    {
      name: 'duplicate time interval',
      yaml: `route: {receiver: r}\n${R}mute_time_intervals: [{name: a}]\ntime_intervals: [{name: a}]\n`,
      error: 'time interval "a" is not unique',
    },
    { name: 'time interval without name', yaml: `route: {receiver: r}\n${R}time_intervals: [{time_intervals: []}]\n`, error: 'missing name in time interval' },
    { name: 'bad weekday', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{weekdays: [funday]}]}]\n`, error: 'funday is not a valid weekday' },
    { name: 'backwards weekdays', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{weekdays: ['friday:monday']}]}]\n`, error: 'start day cannot be before end day' },
    { name: 'bad time', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{times: [{start_time: '25:00', end_time: '26:00'}]}]}]\n`, error: "couldn't parse timestamp 25:00, invalid format" },
    { name: 'start after end', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{times: [{start_time: '10:00', end_time: '09:00'}]}]}]\n`, error: 'start time cannot be equal or greater than end time' },
    { name: 'day of month 0', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{days_of_month: ['0:5']}]}]\n`, error: '0 is not a valid day of the month: out of range' },
    { name: 'negative then positive day', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{days_of_month: ['-3:5']}]}]\n`, error: 'end day must be negative if start day is negative' },
    { name: 'backwards months', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{months: ['march:january']}]}]\n`, error: 'end month january is before start month march' },
    { name: 'unknown location', yaml: `route: {receiver: r}\n${R}time_intervals: [{name: a, time_intervals: [{location: Mars/Olympus}]}]\n`, error: 'unknown time zone Mars/Olympus' },
    { name: 'webhook without url', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{send_resolved: true}]}]\n', error: 'one of url or url_file must be configured' },
    { name: 'webhook bad scheme', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "ftp://x/y"}]}]\n', error: 'unsupported scheme "ftp" for URL' },
    { name: 'webhook negative max_alerts', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", max_alerts: -1}]}]\n', error: 'yaml: unmarshal errors:\n  line 2: cannot unmarshal !!int `-1` into uint64' },
    { name: 'email without to', yaml: 'route: {receiver: r}\nreceivers: [{name: r, email_configs: [{from: a@b.c, smarthost: "h:25"}]}]\n', error: 'missing to address in email config' },
    { name: 'email without smarthost', yaml: 'route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b.c}]}]\n', error: 'no global SMTP smarthost set' },
    { name: 'email without from', yaml: 'global: {smtp_smarthost: "h:25"}\nroute: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b.c}]}]\n', error: 'no global SMTP from set' },
    { name: 'smarthost without port', yaml: 'route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b.c, smarthost: mail}]}]\n', error: 'address mail: missing port in address' },
    { name: 'slack without url', yaml: 'route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{channel: "#a"}]}]\n', error: 'no global Slack API URL set either inline or in a file' },
    { name: 'unbuilt integration', yaml: 'route: {receiver: r}\nreceivers: [{name: r, pagerduty_configs: [{routing_key: x}]}]\n', error: 'pagerduty_configs (receiver "r") is not supported by cairn' },
    { name: 'unbuilt slack option', yaml: 'route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{api_url: "http://s/h", footer: hi}]}]\n', error: 'slack_configs footer is not supported by cairn' },
    // Mimir's multi-tenant refusals.
    { name: 'password_file', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {basic_auth: {username: u, password_file: /etc/passwd}}}]}]\n', error: 'setting password_file, bearer_token_file and credentials_file is not allowed' },
    { name: 'bearer_token_file', yaml: 'global: {http_config: {bearer_token_file: /t}}\nroute: {receiver: r}\nreceivers: [{name: r}]\n', error: 'setting password_file, bearer_token_file and credentials_file is not allowed' },
    { name: 'credentials_file', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {authorization: {credentials_file: /t}}}]}]\n', error: 'setting password_file, bearer_token_file and credentials_file is not allowed' },
    { name: 'proxy_url', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {proxy_url: "http://p:3128"}}]}]\n', error: 'setting proxy_url is not allowed' },
    { name: 'TLS files', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {tls_config: {ca_file: /ca.pem}}}]}]\n', error: 'setting TLS ca_file, cert_file and key_file is not allowed' },
    { name: 'email TLS files', yaml: 'route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b.c, from: x@y.z, smarthost: "h:25", tls_config: {cert_file: /c}}]}]\n', error: 'setting TLS ca_file, cert_file and key_file is not allowed' },
    { name: 'slack api_url_file', yaml: 'route: {receiver: r}\nreceivers: [{name: r, slack_configs: [{api_url_file: /s}]}]\n', error: 'setting Slack api_url_file and global slack_api_url_file is not allowed' },
    { name: 'global slack_api_url_file', yaml: 'global: {slack_api_url_file: /s}\nroute: {receiver: r}\nreceivers: [{name: r}]\n', error: 'setting Slack api_url_file and global slack_api_url_file is not allowed' },
    { name: 'oauth2 secret file', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {oauth2: {client_id: a, client_secret_file: /s, token_url: "http://t/"}}}]}]\n', error: 'setting OAuth2 client_secret_file is not allowed' },
    { name: 'template name with a path', yaml: `route: {receiver: r}\n${R}templates: [../x.tmpl]\n`, error: 'invalid template name "../x.tmpl": the template name cannot contain any path' },
    { name: 'template file with a path', yaml: `route: {receiver: r}\n${R}`, files: { '/abs/x': 'x' }, error: 'invalid template name "/abs/x": the template name cannot contain any path' },
    { name: 'bad glob', yaml: `route: {receiver: r}\n${R}templates: ['[a']\n`, error: 'syntax error in pattern' },
    { name: 'http auth conflicts', yaml: 'route: {receiver: r}\nreceivers: [{name: r, webhook_configs: [{url: "http://x/y", http_config: {basic_auth: {username: u}, bearer_token: t}}]}]\n', error: 'at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured' },
  ];
  it.each(rows)('$name', ({ yaml, files, error }) => {
    expect(errorOf(yaml, files)).toBe(error);
  });

  it('refuses a template that does not parse, with the template engine’s text', () => {
    const msg = errorOf(`route: {receiver: r}\n${R}templates: ['*.tmpl']\n`, { 'a.tmpl': '{{ define "x" }}{{ .Foo ' });
    expect(msg).toMatch(/^template: /);
  });

  it('applies the template limits with Mimir’s texts', () => {
    const yaml = `route: {receiver: r}\n${R}`;
    expect(errorOf(yaml, { a: '1', b: '2' }, { alertmanagerMaxTemplatesCount: 1, alertmanagerMaxTemplateSizeBytes: 0 })).toBe('too many templates in the configuration: 2 (limit: 1)');
    expect(errorOf(yaml, { a: '12345' }, { alertmanagerMaxTemplatesCount: 0, alertmanagerMaxTemplateSizeBytes: 4 })).toBe('template a is too big: 5 bytes (limit: 4 bytes)');
  });
});

function keys(r: Route, out: string[] = []): string[] {
  out.push(r.key);
  for (const c of r.routes) keys(c, out);
  return out;
}

describe('routes', () => {
  const cfg = parse(`
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 10s
  routes:
    - matchers: ['severity="page"', 'team=~"db|infra"']
      receiver: pager
      continue: true
      group_interval: 1m
      routes:
        - match: {b: x, a: y}
          match_re: {c: 'd|e'}
          repeat_interval: 1h
          mute_time_intervals: [night]
    - matchers: ['{env!="dev", owner!~"x.*"}']
      group_by: ['...']
      routes:
        - group_by: []
        - group_by: [instance]
receivers: [{name: default}, {name: pager}]
time_intervals:
  - name: night
    time_intervals:
      - times: [{start_time: '22:00', end_time: '24:00'}]
`);

  it('computes Alertmanager’s route keys (matchers sorted; match_re anchored as Alertmanager keeps it)', () => {
    expect(keys(cfg.route)).toEqual([
      '{}',
      '{}/{severity="page",team=~"db|infra"}',
      '{}/{severity="page",team=~"db|infra"}/{a="y",b="x",c=~"^(?:d|e)$"}',
      '{}/{env!="dev",owner!~"x.*"}',
      '{}/{env!="dev",owner!~"x.*"}/{}',
      '{}/{env!="dev",owner!~"x.*"}/{}',
    ]);
  });

  it('inherits receiver, group_by and timers; not intervals or continue', () => {
    const [page, other] = cfg.route.routes as [Route, Route];
    const deep = page.routes[0]!;
    expect(cfg.route).toMatchObject({ receiver: 'default', groupWaitMs: 10_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, continue: false });
    expect(page).toMatchObject({ receiver: 'pager', groupBy: { all: false, labels: ['alertname', 'cluster'] }, groupWaitMs: 10_000, groupIntervalMs: 60_000, continue: true });
    expect(deep).toMatchObject({ receiver: 'pager', groupIntervalMs: 60_000, repeatIntervalMs: 3_600_000, muteTimeIntervals: ['night'], continue: false });
    expect(other).toMatchObject({ receiver: 'default', groupBy: { all: true } });
    // `group_by: []` inherits (Go's nil check), a list replaces.
    expect(other.routes[0]!.groupBy).toEqual({ all: true });
    expect(other.routes[1]!.groupBy).toEqual({ all: false, labels: ['instance'] });
    expect(cfg.route.muteTimeIntervals).toEqual([]);
  });

  it('builds working matchers, legacy ones included', () => {
    const deep = cfg.route.routes[0]!.routes[0]!;
    const m = new Map(deep.matchers.map((x) => [x.name, x]));
    expect(m.get('c')!.matches('d')).toBe(true);
    expect(m.get('c')!.matches('dd')).toBe(false);
    expect(m.get('a')!.matches('y')).toBe(true);
  });

  it('uses the defaults: 30s / 5m / 4h, group_by none, resolve_timeout 5m', () => {
    const c = parse(`route: {receiver: r}\n${R}`);
    expect(c.route).toMatchObject({ groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000, groupBy: { all: false, labels: [] }, key: '{}' });
    expect(c.resolveTimeoutMs).toBe(300_000);
    expect(parse(`global: {resolve_timeout: 1h}\nroute: {receiver: r}\n${R}`).resolveTimeoutMs).toBe(3_600_000);
  });

  it('parses inhibit rules, legacy and new', () => {
    const c = parse(`route: {receiver: r}\n${R}inhibit_rules:\n  - source_matchers: ['severity="critical"']\n    target_match: {severity: warning}\n    target_match_re: {team: 'a|b'}\n    equal: [alertname, cluster]\n`);
    expect(c.inhibitRules).toHaveLength(1);
    const rule = c.inhibitRules[0]!;
    expect(formatMatchers(rule.sourceMatchers)).toBe('{severity="critical"}');
    expect(formatMatchers(rule.targetMatchers)).toBe('{severity="warning",team=~"^(?:a|b)$"}');
    expect(rule.equal).toEqual(['alertname', 'cluster']);
  });
});

describe('matchers (labels.ParseMatchers)', () => {
  const rows: { input: string; printed: string }[] = [
    { input: 'a="b"', printed: '{a="b"}' },
    { input: 'a=b', printed: '{a="b"}' },
    { input: '{foo = "bar", dings != "bums", }', printed: '{foo="bar",dings!="bums"}' },
    { input: 'foo=bar,dings!=bums', printed: '{foo="bar",dings!="bums"}' },
    { input: 'statuscode=~"5.."', printed: '{statuscode=~"5.."}' },
    { input: 'a!~x|y', printed: '{a!~"x|y"}' },
    { input: 'quote="She said: \\"Hi, ladies!\\""', printed: '{quote="She said: \\"Hi, ladies!\\""}' },
    { input: 'a="x,y"', printed: '{a="x,y"}' },
    { input: 'a=""', printed: '{a=""}' },
    { input: 'a="\\n"', printed: '{a="\\n"}' },
    { input: 'a="\\w"', printed: '{a="\\\\w"}' },
  ];
  it.each(rows)('$input', ({ input, printed }) => {
    expect(formatMatchers(parseMatchers(input))).toBe(printed);
  });

  it('matches fully anchored regexes', () => {
    const [m] = parseMatchers('team=~"db|infra"');
    expect([m!.matches('db'), m!.matches('infra'), m!.matches('dbx'), m!.matches('')]).toEqual([true, true, false, false]);
  });
});

describe('time intervals', () => {
  it('decodes every field', () => {
    const c = parse(`route: {receiver: r, routes: [{active_time_intervals: [biz], mute_time_intervals: [old]}]}\n${R}
mute_time_intervals:
  - name: old
    time_intervals: [{weekdays: [saturday, sunday]}]
time_intervals:
  - name: biz
    time_intervals:
      - times: [{start_time: '09:00', end_time: '17:30'}]
        weekdays: ['monday:friday']
        days_of_month: ['1:5', '-1']
        months: ['january:march', '12']
        years: ['2024:2026']
        location: Europe/Berlin
`);
    expect(c.timeIntervals.get('old')!.ranges[0]!.weekdays).toEqual([{ begin: 6, end: 6 }, { begin: 0, end: 0 }]);
    expect(c.timeIntervals.get('biz')!.ranges[0]).toEqual({
      times: [{ startMinute: 540, endMinute: 1050 }],
      weekdays: [{ begin: 1, end: 5 }],
      daysOfMonth: [{ begin: 1, end: 5 }, { begin: -1, end: -1 }],
      months: [{ begin: 1, end: 3 }, { begin: 12, end: 12 }],
      years: [{ begin: 2024, end: 2026 }],
      location: 'Europe/Berlin',
    });
    expect(c.timeIntervals.get('old')!.ranges[0]!.location).toBe('UTC');
  });
});

describe('receivers', () => {
  it('applies Alertmanager’s defaults and the global settings', () => {
    const c = parse(`
global:
  smtp_smarthost: 'mail.example:587'
  smtp_from: am@example.com
  smtp_auth_username: user
  smtp_auth_password: secret
  smtp_require_tls: false
  slack_api_url: https://hooks.slack.com/services/T/B/X
  http_config: {basic_auth: {username: g, password: p}}
route: {receiver: all}
receivers:
  - name: all
    slack_configs: [{channel: '#alerts'}]
    email_configs:
      - to: ops@example.com
        headers: {subject: 'Custom', x-team: ops}
      - to: b@example.com
        require_tls: true
        html: ''
        text: plain
    webhook_configs:
      - url: http://hook.example/a
        max_alerts: 10
        timeout: 1.5s
      - url: http://hook.example/b
        send_resolved: false
        http_config: {authorization: {credentials: tok}, tls_config: {insecure_skip_verify: true}}
`);
    const [w1, w2, e1, e2, s1] = c.receivers.get('all')!.integrations;
    expect(w1).toEqual({ kind: 'webhook', url: 'http://hook.example/a', sendResolved: true, maxAlerts: 10, timeoutMs: 1500, httpConfig: { basicAuth: { username: 'g', password: 'p' }, insecureSkipVerify: false } });
    expect(w2).toMatchObject({ sendResolved: false, httpConfig: { authorization: { type: 'Bearer', credentials: 'tok' }, insecureSkipVerify: true } });
    expect(e1).toMatchObject({
      kind: 'email',
      to: 'ops@example.com',
      from: 'am@example.com',
      smarthost: 'mail.example:587',
      hello: 'localhost',
      authUsername: 'user',
      authPassword: 'secret',
      requireTls: false,
      sendResolved: false,
      html: '{{ template "email.default.html" . }}',
      text: '',
      headers: { Subject: 'Custom', 'X-Team': 'ops' },
    });
    expect(e2).toMatchObject({ requireTls: true, html: '', text: 'plain', headers: { Subject: '{{ template "email.default.subject" . }}' } });
    expect(s1).toMatchObject({
      kind: 'slack',
      apiUrl: 'https://hooks.slack.com/services/T/B/X',
      channel: '#alerts',
      sendResolved: false,
      title: '{{ template "slack.default.title" . }}',
      color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
      httpConfig: { basicAuth: { username: 'g', password: 'p' } },
    });
  });

  it('keeps a receiver without integrations', () => {
    expect(parse(`route: {receiver: r}\n${R}`).receivers.get('r')).toEqual({ name: 'r', integrations: [] });
  });
});

describe('templates', () => {
  it('selects the files `templates:` names, globs included, in name order', () => {
    const c = parse(`route: {receiver: r}\n${R}templates: ['*.tmpl', 'extra']\n`, {
      'b.tmpl': '{{ define "b" }}B{{ end }}',
      'a.tmpl': '{{ define "a" }}A{{ end }}',
      extra: '{{ define "e" }}E{{ end }}',
      unused: '{{ broken',
    });
    expect(c.templateFiles.map((f) => f.name)).toEqual(['a.tmpl', 'b.tmpl', 'extra']);
  });

  it.each([
    ['a.tmpl', null],
    ['a/b', 'invalid template name "a/b": the template name cannot contain any path'],
    ['..', 'invalid template name "..": the template name cannot contain any path'],
    ['', 'invalid template name "": the template name cannot contain any path'],
  ])('template name %j', (name, err) => {
    expect(templateNameError(name) ?? null).toBe(err);
  });

  it.each([
    ['*.tmpl', 'x.tmpl', true],
    ['*.tmpl', 'x.txt', false],
    ['a?c', 'abc', true],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'bx', false],
    ['\\*', '*', true],
  ])('glob %s ~ %s', (pattern, name, ok) => {
    expect(globRegExp(pattern).test(name)).toBe(ok);
  });
});
