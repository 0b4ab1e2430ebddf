/** The webhook integration POSTs Alertmanager's exact version-4 payload to a real HTTP server and reads its answers as Alertmanager does. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntegrations, DEFAULT_USER_AGENT, type IntegrationOptions } from '../../src/alertmanager/integrations/index.js';
import { goTimeJSON, webhookPayload } from '../../src/alertmanager/integrations/webhook.js';
import { compileTemplateFiles } from '../../src/alertmanager/templates.js';
import { NotifyError, type Alert, type NotificationData, type WebhookConfig } from '../../src/alertmanager/types.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 120);

function alert(instance: string, resolved: boolean, fp: string): Alert {
  return {
    labels: [
      { name: 'alertname', value: 'InstanceDown' },
      { name: 'instance', value: instance },
      { name: 'job', value: 'node' },
    ],
    annotations: { summary: `${instance} <down> & out` },
    startsAtMs: Date.UTC(2024, 0, 2, 3, 0, 0, 500),
    endsAtMs: resolved ? Date.UTC(2024, 0, 2, 3, 4, 0) : NOW + 300_000,
    updatedAtMs: NOW,
    generatorURL: 'http://prom/graph?g0.expr=up',
    fingerprint: fp,
    timeout: false,
  };
}

const DATA: NotificationData = {
  tenant: 't1',
  receiver: 'pager',
  groupKey: '{}:{alertname="InstanceDown"}',
  groupLabels: [{ name: 'alertname', value: 'InstanceDown' }],
  alerts: [alert('a:9100', false, 'aaaaaaaaaaaaaaaa'), alert('b:9100', true, 'bbbbbbbbbbbbbbbb')],
  externalURL: 'http://cairn:9009/alertmanager',
  nowMs: NOW,
};

interface Received {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server answering with the next scripted status (200 when the script is empty). */
class Receiver {
  readonly received: Received[] = [];
  readonly script: { status: number; body?: string; delayMs?: number; type?: string }[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const next = this.script.shift() ?? { status: 200 };
      const answer = (): void => {
        res.writeHead(next.status, { 'content-type': next.type ?? 'text/plain' });
        res.end(next.body ?? '');
      };
      if (next.delayMs !== undefined) setTimeout(answer, next.delayMs).unref();
      else answer();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const rx = new Receiver();
beforeAll(() => rx.start());
afterAll(() => rx.stop());

const OPTS: IntegrationOptions = { timeoutMs: 2000, userAgent: DEFAULT_USER_AGENT };
const templates = compileTemplateFiles([]);

function webhook(over: Partial<WebhookConfig> = {}): WebhookConfig {
  return { kind: 'webhook', url: rx.url, sendResolved: true, maxAlerts: 0, httpConfig: { insecureSkipVerify: false }, timeoutMs: 0, ...over };
}

function integration(conf: WebhookConfig) {
  const [i] = buildIntegrations({ name: 'pager', integrations: [conf] }, templates, OPTS);
  return i!;
}

async function send(conf: WebhookConfig, data = DATA): Promise<Received> {
  const before = rx.received.length;
  await integration(conf).notify(data, new AbortController().signal);
  expect(rx.received.length).toBe(before + 1);
  return rx.received[before]!;
}

// The body Alertmanager 0.27 sends for DATA: Go's field order and HTML-safe escapes, one trailing newline.
const EXPECTED =
  '{"receiver":"pager","status":"firing","alerts":[' +
  '{"status":"firing","labels":{"alertname":"InstanceDown","instance":"a:9100","job":"node"},"annotations":{"summary":"a:9100 \\u003cdown\\u003e \\u0026 out"},"startsAt":"2024-01-02T03:00:00.5Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph?g0.expr=up","fingerprint":"aaaaaaaaaaaaaaaa"},' +
  '{"status":"resolved","labels":{"alertname":"InstanceDown","instance":"b:9100","job":"node"},"annotations":{"summary":"b:9100 \\u003cdown\\u003e \\u0026 out"},"startsAt":"2024-01-02T03:00:00.5Z","endsAt":"2024-01-02T03:04:00Z","generatorURL":"http://prom/graph?g0.expr=up","fingerprint":"bbbbbbbbbbbbbbbb"}],' +
  '"groupLabels":{"alertname":"InstanceDown"},"commonLabels":{"alertname":"InstanceDown","job":"node"},"commonAnnotations":{},' +
  '"externalURL":"http://cairn:9009/alertmanager","version":"4","groupKey":"{}:{alertname=\\"InstanceDown\\"}","truncatedAlerts":0}\n';

describe('webhook payload', () => {
  it('is exactly Alertmanager\'s version 4 body', async () => {
    const r = await send(webhook());
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('Alertmanager/0.27.0-cairn');
    expect(r.headers['authorization']).toBeUndefined();
    expect(r.body).toBe(EXPECTED);
  });

  it('max_alerts keeps the first alerts and counts the rest', () => {
    const body = JSON.parse(webhookPayload(DATA, 1)) as { alerts: unknown[]; truncatedAlerts: number; commonLabels: Record<string, string>; status: string };
    expect(body.alerts).toHaveLength(1);
    expect(body.truncatedAlerts).toBe(1);
    expect(body.commonLabels).toEqual({ alertname: 'InstanceDown', instance: 'a:9100', job: 'node' });
    expect(body.status).toBe('firing');
  });

  it.each([
    { ms: Date.UTC(2024, 0, 1), expected: '2024-01-01T00:00:00Z' },
    { ms: Date.UTC(2024, 0, 1, 0, 0, 0, 10), expected: '2024-01-01T00:00:00.01Z' },
    { ms: Date.UTC(2024, 0, 1, 0, 0, 0, 123), expected: '2024-01-01T00:00:00.123Z' },
    { ms: undefined, expected: '0001-01-01T00:00:00Z' },
  ])('time $expected', ({ ms, expected }) => {
    expect(goTimeJSON(ms)).toBe(expected);
  });
});

describe('webhook http_config and answers', () => {
  it.each([
    { name: 'basic auth', cfg: { basicAuth: { username: 'u', password: 'p:w' }, insecureSkipVerify: false }, expected: 'Basic ' + Buffer.from('u:p:w').toString('base64') },
    { name: 'authorization', cfg: { authorization: { type: 'Bearer', credentials: 'tok' }, insecureSkipVerify: false }, expected: 'Bearer tok' },
  ])('$name', async ({ cfg, expected }) => {
    const r = await send(webhook({ httpConfig: cfg }));
    expect(r.headers['authorization']).toBe(expected);
  });

  const failures: { name: string; status: number; body: string; retry: boolean; message: string }[] = [
    { name: '500 is retried', status: 500, body: 'boom', retry: true, message: 'unexpected status code 500: boom' },
    { name: '503 without a body', status: 503, body: '', retry: true, message: 'unexpected status code 503' },
    { name: '400 is not retried', status: 400, body: 'bad payload', retry: false, message: 'unexpected status code 400: bad payload' },
    { name: '404 is not retried', status: 404, body: 'x'.repeat(5000), retry: false, message: `unexpected status code 404: ${'x'.repeat(1024)}` },
  ];
  it.each(failures)('$name', async ({ status, body, retry, message }) => {
    rx.script.push({ status, body });
    const err = await integration(webhook()).notify(DATA, new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as NotifyError).retry).toBe(retry);
    expect((err as NotifyError).message).toBe(message);
  });

  it('a 2xx other than 200 is delivered', async () => {
    rx.script.push({ status: 204 });
    await expect(integration(webhook()).notify(DATA, new AbortController().signal)).resolves.toBeUndefined();
  });

  it('a slow receiver times out and is retried', async () => {
    rx.script.push({ status: 200, delayMs: 2000 });
    const started = Date.now();
    const err = await integration(webhook({ timeoutMs: 100 })).notify(DATA, new AbortController().signal).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((err as NotifyError).retry).toBe(true);
    expect((err as NotifyError).message).toMatch(/^Post "http:\/\/127\.0\.0\.1:\d+": context deadline exceeded$/);
  });

  it('the dispatcher\'s signal aborts a request', async () => {
    rx.script.push({ status: 200, delayMs: 2000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50).unref();
    const err = await integration(webhook()).notify(DATA, ac.signal).catch((e: unknown) => e);
    expect((err as NotifyError).retry).toBe(true);
  });

  it('a refused connection is retried', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const err = await integration(webhook({ url: `http://127.0.0.1:${port}/` })).notify(DATA, new AbortController().signal).catch((e: unknown) => e);
    expect((err as NotifyError).retry).toBe(true);
    expect((err as NotifyError).message).toContain('ECONNREFUSED');
  });

  it('send_resolved is carried to the dispatcher', () => {
    expect(integration(webhook({ sendResolved: false })).sendResolved).toBe(false);
    expect(integration(webhook()).kind).toBe('webhook');
  });
});
