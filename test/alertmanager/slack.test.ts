/** The Slack integration POSTs Alertmanager's incoming-webhook JSON, with the default templates, to a real HTTP server. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntegrations, DEFAULT_USER_AGENT } from '../../src/alertmanager/integrations/index.js';
import { truncateRunes } from '../../src/alertmanager/integrations/slack.js';
import { compileTemplateFiles } from '../../src/alertmanager/templates.js';
import { NotifyError, type NotificationData, type SlackConfig } from '../../src/alertmanager/types.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

const DATA: NotificationData = {
  tenant: 't1',
  receiver: 'slack',
  groupKey: '{}:{alertname="DiskFull"}',
  groupLabels: [{ name: 'alertname', value: 'DiskFull' }],
  alerts: [
    {
      labels: [
        { name: 'alertname', value: 'DiskFull' },
        { name: 'severity', value: 'page' },
      ],
      annotations: { summary: 'disk is full' },
      startsAtMs: NOW - 60_000,
      endsAtMs: NOW + 60_000,
      updatedAtMs: NOW,
      generatorURL: '',
      fingerprint: '0123456789abcdef',
      timeout: false,
    },
  ],
  externalURL: 'http://cairn/alertmanager',
  nowMs: NOW,
};

let received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const answers: { status: number; type: string; body: string }[] = [];
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const a = answers.shift() ?? { status: 200, type: 'text/plain', body: 'ok' };
    res.writeHead(a.status, { 'content-type': a.type });
    res.end(a.body);
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/X`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** The configuration the config parser produces for `slack_configs: [{api_url, channel}]`: Alertmanager's defaults. */
function slack(over: Partial<SlackConfig> = {}): SlackConfig {
  return {
    kind: 'slack',
    apiUrl: url,
    channel: '#alerts',
    username: '{{ template "slack.default.username" . }}',
    color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
    title: '{{ template "slack.default.title" . }}',
    titleLink: '{{ template "slack.default.titlelink" . }}',
    pretext: '{{ template "slack.default.pretext" . }}',
    text: '{{ template "slack.default.text" . }}',
    fallback: '{{ template "slack.default.fallback" . }}',
    iconEmoji: '{{ template "slack.default.iconemoji" . }}',
    iconUrl: '{{ template "slack.default.iconurl" . }}',
    sendResolved: false,
    httpConfig: { insecureSkipVerify: false },
    ...over,
  };
}

const templates = compileTemplateFiles([]);
const notify = (conf: SlackConfig, data = DATA): Promise<void> =>
  buildIntegrations({ name: 'slack', integrations: [conf] }, templates, { timeoutMs: 2000, userAgent: DEFAULT_USER_AGENT })[0]!.notify(data, new AbortController().signal);

describe('slack', () => {
  it('sends Alertmanager\'s default message', async () => {
    received = [];
    await notify(slack());
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(received[0]!.body).toBe(
      '{"channel":"#alerts","username":"AlertManager","attachments":[{' +
        '"title":"[FIRING:1] DiskFull (page)","title_link":"http://cairn/alertmanager/#/alerts?receiver=slack","text":"",' +
        '"fallback":"[FIRING:1] DiskFull (page) | http://cairn/alertmanager/#/alerts?receiver=slack","callback_id":"","footer":"",' +
        '"color":"danger","mrkdwn_in":["fallback","pretext","text"]}]}\n',
    );
  });

  it('expands custom fields and icons', async () => {
    received = [];
    const resolved = { ...DATA, alerts: [{ ...DATA.alerts[0]!, endsAtMs: NOW - 1 }] };
    await notify(slack({ channel: '#{{ .CommonLabels.severity }}', text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}', iconEmoji: ':fire:', iconUrl: 'http://i/x.png', pretext: 'pre' }), resolved);
    const body = JSON.parse(received[0]!.body) as Record<string, unknown> & { attachments: Record<string, unknown>[] };
    expect(body['channel']).toBe('#page');
    expect(body['icon_emoji']).toBe(':fire:');
    expect(body['icon_url']).toBe('http://i/x.png');
    expect(body.attachments[0]!['text']).toBe('disk is full');
    expect(body.attachments[0]!['pretext']).toBe('pre');
    expect(body.attachments[0]!['color']).toBe('good');
    expect(body.attachments[0]!['title']).toBe('[RESOLVED] DiskFull (page)');
  });

  const failures: { name: string; answer: { status: number; type: string; body: string }; retry: boolean; message: string }[] = [
    { name: '5xx is retried', answer: { status: 502, type: 'text/plain', body: 'bad gateway' }, retry: true, message: 'unexpected status code 502: bad gateway' },
    { name: '4xx is not', answer: { status: 404, type: 'text/plain', body: 'no_service' }, retry: false, message: 'unexpected status code 404: no_service' },
    { name: 'ok:false is not', answer: { status: 200, type: 'application/json; charset=utf-8', body: '{"ok":false,"error":"channel_not_found"}' }, retry: false, message: 'error response from Slack: channel_not_found' },
  ];
  it.each(failures)('$name', async ({ answer, retry, message }) => {
    answers.push(answer);
    const err = await notify(slack()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as NotifyError).retry).toBe(retry);
    expect((err as NotifyError).message).toBe(message);
  });

  it('a failing template is not retried', async () => {
    const err = await notify(slack({ title: '{{ .Nope }}' })).catch((e: unknown) => e);
    expect((err as NotifyError).retry).toBe(false);
    expect((err as NotifyError).message).toContain("can't evaluate field Nope in type *template.Data");
  });

  it('long titles are cut to 1024 runes with an ellipsis', () => {
    const cut = truncateRunes('é'.repeat(2000), 1024);
    expect(cut.truncated).toBe(true);
    expect([...cut.text]).toHaveLength(1024);
    expect(cut.text.endsWith('é…')).toBe(true);
  });
});
