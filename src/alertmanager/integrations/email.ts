/**
 * The email integration (`notify/email`) over SMTP with nodemailer, the maintained mail
 * library of the Node ecosystem (SMTP, STARTTLS, AUTH PLAIN/LOGIN/CRAM-MD5, MIME and
 * header encoding done right), rather than a hand-written SMTP client.
 *
 * As Alertmanager: `to`, `from`, every header and both bodies are templates expanded over
 * the notification; the envelope goes from `from` to every address of `to`; port 465 is
 * TLS from the first byte; otherwise `require_tls` (default true) demands STARTTLS and
 * fails when the server does not offer it, and `require_tls: false` speaks plain SMTP
 * (no opportunistic STARTTLS). With a username, AUTH uses `auth_password` (PLAIN or LOGIN,
 * whichever the server offers) or `auth_secret` (CRAM-MD5). Template and address errors
 * are not retried; SMTP and network errors are.
 */
import { createTransport } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { AlertTemplates } from '../templates.js';
import { NotifyError, type EmailConfig, type Integration, type NotificationData } from '../types.js';
import type { IntegrationOptions } from './index.js';

/** Alertmanager dials 465 with TLS at once (SMTPS); every other port starts in plain text. */
const SMTPS_PORT = 465;

/** A rendered message, ready for SMTP. */
export interface RenderedEmail {
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  readonly subject: string;
  /** The `To` and `From` header values (default: the `to` and `from` fields). */
  readonly toHeader: string;
  readonly fromHeader: string;
  /** Every other header, expanded. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string | undefined;
  readonly html: string | undefined;
}

/** The addresses of an RFC 5322 address list, or a message naming what failed. */
function parseAddresses(list: string, what: string): string[] {
  const flat: string[] = [];
  const walk = (entries: ReturnType<typeof addressparser>): void => {
    for (const e of entries) {
      if ('group' in e && e.group !== undefined) walk(e.group);
      else if ('address' in e && e.address !== '') flat.push(e.address);
    }
  };
  walk(addressparser(list));
  if (flat.length === 0) throw new NotifyError(`parse '${what}' addresses: mail: no address`, false);
  return flat;
}

/**
 * Expands every template of an email config over the notification. Throws a NotifyError
 * (not retried) naming the field whose template failed, as Alertmanager's texts
 * (`execute "Subject" header template: …`).
 */
export function renderEmail(conf: EmailConfig, templates: AlertTemplates, data: NotificationData): RenderedEmail {
  const expand = (text: string, what: string, html = false): string => {
    try {
      return html ? templates.expandHTML(text, data) : templates.expand(text, data);
    } catch (e) {
      throw new NotifyError(`${what}: ${(e as Error).message}`, false);
    }
  };
  const to = expand(conf.to, "execute 'to' template");
  const from = expand(conf.from, "execute 'from' template");
  const envelopeTo = parseAddresses(to, 'to');
  const envelopeFrom = parseAddresses(from, 'from')[0]!;
  let subject = '';
  let toHeader = to;
  let fromHeader = from;
  const headers: Record<string, string> = {};
  for (const [name, text] of Object.entries(conf.headers)) {
    const value = expand(text, `execute ${JSON.stringify(name)} header template`);
    switch (name.toLowerCase()) {
      case 'subject':
        subject = value;
        break;
      case 'to':
        toHeader = value;
        break;
      case 'from':
        fromHeader = value;
        break;
      default:
        headers[name] = value;
    }
  }
  const text = conf.text === '' ? undefined : expand(conf.text, 'execute text template');
  const html = conf.html === '' ? undefined : expand(conf.html, 'execute html template', true);
  return { envelopeFrom, envelopeTo, subject, toHeader, fromHeader, headers, text, html };
}

/** `host:port` (IPv6 in brackets), as Alertmanager's smarthost. */
function splitSmarthost(smarthost: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(smarthost);
  if (m === null) throw new NotifyError(`invalid smarthost ${JSON.stringify(smarthost)}: want host:port`, false);
  return { host: m[1]!, port: Number(m[2]) };
}

/** An email integration; `notify` resolves once the server accepted the message. */
export function emailIntegration(conf: EmailConfig, index: number, templates: AlertTemplates, opts: IntegrationOptions): Integration {
  return {
    kind: 'email',
    index,
    sendResolved: conf.sendResolved,
    async notify(data, signal) {
      const msg = renderEmail(conf, templates, data);
      const { host, port } = splitSmarthost(conf.smarthost);
      const secure = port === SMTPS_PORT;
      const password = conf.authPassword;
      const auth =
        conf.authUsername === ''
          ? undefined
          : password !== ''
            ? { user: conf.authUsername, pass: password }
            : { user: conf.authUsername, pass: conf.authSecret, method: 'CRAM-MD5' };
      if (auth !== undefined && auth.pass === '') throw new NotifyError('missing password for PLAIN auth mechanism', false);
      const transport = createTransport({
        host,
        port,
        secure,
        name: conf.hello,
        requireTLS: !secure && conf.requireTls,
        ignoreTLS: !secure && !conf.requireTls,
        tls: { rejectUnauthorized: !conf.tlsInsecureSkipVerify, servername: host },
        auth,
        connectionTimeout: opts.timeoutMs,
        greetingTimeout: opts.timeoutMs,
        socketTimeout: opts.timeoutMs,
      });
      // nodemailer takes no AbortSignal and cannot cut a session short: on abort the attempt
      // fails at once and the abandoned connection ends at its own socket timeout.
      let onAbort = (): void => undefined;
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => reject(new NotifyError('context canceled', true));
      });
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (signal.aborted) throw new NotifyError('context canceled', true);
        const sent = transport.sendMail({
          envelope: { from: msg.envelopeFrom, to: [...msg.envelopeTo] },
          from: msg.fromHeader,
          to: msg.toHeader,
          subject: msg.subject,
          headers: preparedHeaders(msg.headers),
          text: msg.text,
          html: msg.html,
        });
        // The losing side of the race must not surface as an unhandled rejection.
        sent.catch(() => undefined);
        await Promise.race([sent, aborted]);
      } catch (e) {
        if (e instanceof NotifyError) throw e;
        if (signal.aborted) throw new NotifyError('context canceled', true);
        throw smtpError(e as Error & { code?: string; command?: string }, conf);
      } finally {
        signal.removeEventListener('abort', onAbort);
        transport.close();
      }
    },
  };
}

/**
 * Header values as Alertmanager writes them: Go's `mime.QEncoding` leaves printable ASCII
 * alone, while nodemailer would encode values with `{`, `"` or `=`; so those are passed
 * prepared, and only values that need it are left to nodemailer's encoder.
 */
function preparedHeaders(h: Readonly<Record<string, string>>): Record<string, string | { prepared: true; value: string }> {
  const out: Record<string, string | { prepared: true; value: string }> = {};
  for (const [k, v] of Object.entries(h)) out[k] = /^[\t\x20-\x7e]*$/.test(v) ? { prepared: true, value: v } : v;
  return out;
}

/** Alertmanager's texts for the failures users meet most; every SMTP failure is retried. */
function smtpError(e: Error & { code?: string; command?: string }, conf: EmailConfig): NotifyError {
  if (conf.requireTls && (e.code === 'ETLS' || e.command === 'STARTTLS')) {
    return new NotifyError(`'require_tls' is true (default) but ${JSON.stringify(conf.smarthost)} does not advertise the STARTTLS extension (${e.message})`, true);
  }
  if (e.code === 'EAUTH') return new NotifyError(`failed to authenticate: ${e.message}`, true);
  return new NotifyError(`send email: ${e.message}`, true);
}
