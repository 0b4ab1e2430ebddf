/** The email integration delivers the rendered message (subject, headers, text and HTML bodies) to a local SMTP server, with auth and STARTTLS rules as Alertmanager's. */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { renderEmail } from '../../src/alertmanager/integrations/email.js';
import { buildIntegrations, DEFAULT_USER_AGENT } from '../../src/alertmanager/integrations/index.js';
import { compileTemplateFiles } from '../../src/alertmanager/templates.js';
import { NotifyError, type EmailConfig, type NotificationData } from '../../src/alertmanager/types.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

const DATA: NotificationData = {
  tenant: 't1',
  receiver: 'mail',
  groupKey: '{}:{alertname="HighLatency"}',
  groupLabels: [{ name: 'alertname', value: 'HighLatency' }],
  alerts: [
    {
      labels: [
        { name: 'alertname', value: 'HighLatency' },
        { name: 'service', value: 'api' },
      ],
      annotations: { summary: 'p99 > 1s <ouch>' },
      startsAtMs: NOW - 60_000,
      endsAtMs: NOW + 60_000,
      updatedAtMs: NOW,
      generatorURL: 'http://prom/graph',
      fingerprint: '0123456789abcdef',
      timeout: false,
    },
  ],
  externalURL: 'http://cairn/alertmanager',
  nowMs: NOW,
};

interface Delivery {
  from: string;
  to: string[];
  mail: ParsedMail;
  raw: string;
  user: string | undefined;
  helo: string;
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** Starts an SMTP server on loopback; resolves its port and the deliveries it accepts. */
async function smtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((mail) => {
          deliveries.push({
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            mail,
            raw,
            user: session.user as string | undefined,
            helo: session.hostNameAppearsAs,
          });
          callback();
        }, callback);
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, deliveries };
}

/** The configuration the config parser produces for a minimal `email_configs` entry (Alertmanager's defaults). */
function email(port: number, over: Partial<EmailConfig> = {}): EmailConfig {
  return {
    kind: 'email',
    to: 'oncall@example.org, Second <second@example.org>',
    from: 'Cairn <alertmanager@example.org>',
    smarthost: `127.0.0.1:${port}`,
    hello: 'cairn.test',
    authUsername: '',
    authPassword: '',
    authIdentity: '',
    authSecret: '',
    requireTls: false,
    tlsInsecureSkipVerify: false,
    headers: { Subject: '{{ template "email.default.subject" . }}' },
    html: '{{ template "email.default.html" . }}',
    text: '',
    sendResolved: false,
    ...over,
  };
}

const templates = compileTemplateFiles([]);
const notify = (conf: EmailConfig, signal = new AbortController().signal): Promise<void> =>
  buildIntegrations({ name: 'mail', integrations: [conf] }, templates, { timeoutMs: 3000, userAgent: DEFAULT_USER_AGENT })[0]!.notify(DATA, signal);

describe('email', () => {
  it('delivers the default message', async () => {
    const { port, deliveries } = await smtp();
    await notify(email(port));
    expect(deliveries).toHaveLength(1);
    const d = deliveries[0]!;
    expect(d.from).toBe('alertmanager@example.org');
    expect(d.to).toEqual(['oncall@example.org', 'second@example.org']);
    expect(d.helo).toBe('cairn.test');
    expect(d.mail.subject).toBe('[FIRING:1] HighLatency (api)');
    expect(d.mail.from?.text).toBe('"Cairn" <alertmanager@example.org>');
    expect(d.mail.to).toMatchObject({ text: 'oncall@example.org, "Second" <second@example.org>' });
    expect(d.mail.messageId).toMatch(/^<.+@.+>$/);
    expect(d.mail.date).toBeInstanceOf(Date);
    expect(d.mail.html).toContain('<title>[FIRING:1] HighLatency (api)</title>');
    expect(d.mail.html).toContain('summary = p99 &gt; 1s &lt;ouch&gt;<br />');
    expect(d.mail.html).toContain('href="http://cairn/alertmanager/#/alerts?receiver=mail"');
    // HTML only: no text/plain part (Alertmanager's default `text` is empty).
    expect(d.raw).not.toContain('text/plain');
  });

  it('renders custom headers and a text body', async () => {
    const { port, deliveries } = await smtp();
    await notify(
      email(port, {
        to: '{{ .CommonLabels.service }}-team@example.org',
        headers: { Subject: 'Alert: {{ .CommonLabels.alertname }} ✓', 'X-Tenant-Group': '{{ .GroupKey }}', To: 'Team <api-team@example.org>' },
        text: '{{ range .Alerts }}{{ .Annotations.summary }}{{ end }}',
        html: '',
      }),
    );
    const d = deliveries[0]!;
    expect(d.to).toEqual(['api-team@example.org']);
    expect(d.mail.subject).toBe('Alert: HighLatency ✓');
    expect(d.mail.headers.get('x-tenant-group')).toBe('{}:{alertname="HighLatency"}');
    expect(d.mail.to).toMatchObject({ text: '"Team" <api-team@example.org>' });
    expect(d.mail.text?.trim()).toBe('p99 > 1s <ouch>');
    expect(d.mail.html).toBe(false);
  });

  it.each([
    { name: 'PLAIN', methods: ['PLAIN'], over: { authUsername: 'u', authPassword: 'p' } },
    { name: 'LOGIN', methods: ['LOGIN'], over: { authUsername: 'u', authPassword: 'p' } },
    { name: 'CRAM-MD5 with the secret', methods: ['CRAM-MD5'], over: { authUsername: 'u', authSecret: 'p' } },
  ])('authenticates with $name', async ({ methods, over }) => {
    const { port, deliveries } = await smtp({
      authMethods: methods,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        const ok = auth.method === 'CRAM-MD5' ? auth.validatePassword!('p') : auth.password === 'p';
        if (auth.username === 'u' && ok) cb(null, { user: `${auth.method}:${auth.username}` });
        else cb(new Error('invalid credentials'));
      },
    });
    await notify(email(port, over));
    expect(deliveries[0]!.user).toBe(`${methods[0]}:u`);
  });

  it('a wrong password fails and is retried', async () => {
    const { port } = await smtp({ authMethods: ['PLAIN'], allowInsecureAuth: true, onAuth: (_a, _s, cb) => cb(new Error('invalid credentials')) });
    const err = await notify(email(port, { authUsername: 'u', authPassword: 'bad' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as NotifyError).retry).toBe(true);
    expect((err as NotifyError).message).toMatch(/^failed to authenticate: .*invalid credentials/);
  });

  it('require_tls against a server without STARTTLS fails clearly', async () => {
    const { port, deliveries } = await smtp();
    const err = await notify(email(port, { requireTls: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as NotifyError).message).toContain(`'require_tls' is true (default) but "127.0.0.1:${port}" does not advertise the STARTTLS extension`);
    expect(deliveries).toHaveLength(0);
  });

  it('an unreachable smarthost fails within the timeout and is retried', async () => {
    const { port } = await smtp();
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const err = await notify(email(port)).catch((e: unknown) => e);
    expect((err as NotifyError).retry).toBe(true);
    expect((err as NotifyError).message).toContain('ECONNREFUSED');
  });

  it('the dispatcher\'s signal ends a stalled session', async () => {
    // A server that never answers DATA.
    const { port } = await smtp({ onData: () => undefined });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200).unref();
    const started = Date.now();
    const err = await notify(email(port), ac.signal).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect((err as NotifyError).retry).toBe(true);
  });

  it.each([
    { name: 'bad header template', over: { headers: { Subject: '{{ .Nope }}' } }, message: 'execute "Subject" header template: template: :1:3: executing "" at <.Nope>' },
    { name: 'no recipient', over: { to: '{{ .CommonLabels.nope }}' }, message: "parse 'to' addresses: mail: no address" },
  ])('$name is not retried', ({ over, message }) => {
    let err: unknown;
    try {
      renderEmail(email(25, over), templates, DATA);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotifyError);
    expect((err as NotifyError).retry).toBe(false);
    expect((err as NotifyError).message).toContain(message);
  });
});
