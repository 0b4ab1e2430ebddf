/**
 * The Slack integration (`notify/slack`): an incoming-webhook POST of one attachment
 * whose fields are the configured templates expanded over the notification (defaults are
 * Alertmanager's `slack.default.*`, filled in by the configuration). Statuses are judged as
 * for the webhook; a 2xx JSON answer `{"ok":false,"error":…}` (Slack's Web API) fails for
 * good, as Alertmanager does.
 */
import type { AlertTemplates } from '../templates.js';
import { NotifyError, type Integration, type NotificationData, type SlackConfig } from '../types.js';
import { checkStatus, postJSON } from './http.js';
import type { IntegrationOptions } from './index.js';
import { goJSON } from './webhook.js';

/** Slack truncates longer titles; Alertmanager cuts them first to keep the `…` visible. */
export const SLACK_TITLE_RUNES_MAX = 1024;

/** Alertmanager's default `mrkdwn_in`: fields rendered as Slack markdown. */
const DEFAULT_MRKDWN_IN = ['fallback', 'pretext', 'text'];

/** Cuts `s` to `n` runes, the last being `…`, as Alertmanager's `TruncateInRunes`. */
export function truncateRunes(s: string, n: number): { text: string; truncated: boolean } {
  const runes = [...s];
  if (runes.length <= n) return { text: s, truncated: false };
  return { text: runes.slice(0, n - 1).join('') + '…', truncated: true };
}

/** The request body for one notification; throws Error (with Go's template text) when a field fails to expand. */
export function slackPayload(conf: SlackConfig, templates: AlertTemplates, data: NotificationData): string {
  const t = (text: string): string => templates.expand(text, data);
  const title = truncateRunes(t(conf.title), SLACK_TITLE_RUNES_MAX).text;
  // Go's `omitempty` drops empty strings; the order is Go's struct field order.
  const attachment: Record<string, unknown> = {};
  const put = (k: string, v: string, omitEmpty: boolean): void => {
    if (!omitEmpty || v !== '') attachment[k] = v;
  };
  put('title', title, true);
  put('title_link', t(conf.titleLink), true);
  put('pretext', t(conf.pretext), true);
  put('text', t(conf.text), false);
  put('fallback', t(conf.fallback), false);
  put('callback_id', t('{{ template "slack.default.callbackid" . }}'), false);
  put('footer', t('{{ template "slack.default.footer" . }}'), false);
  put('color', t(conf.color), true);
  attachment['mrkdwn_in'] = DEFAULT_MRKDWN_IN;
  const req: Record<string, unknown> = {};
  const top = (k: string, v: string): void => {
    if (v !== '') req[k] = v;
  };
  top('channel', t(conf.channel));
  top('username', t(conf.username));
  top('icon_emoji', t(conf.iconEmoji));
  top('icon_url', t(conf.iconUrl));
  req['attachments'] = [attachment];
  return goJSON(req);
}

/** A Slack integration; `notify` resolves once Slack answered 2xx (and not `ok: false`). */
export function slackIntegration(conf: SlackConfig, index: number, templates: AlertTemplates, opts: IntegrationOptions): Integration {
  return {
    kind: 'slack',
    index,
    sendResolved: conf.sendResolved,
    async notify(data, signal) {
      let body: string;
      try {
        body = slackPayload(conf, templates, data);
      } catch (e) {
        // A template that fails will fail again: no retry.
        throw new NotifyError((e as Error).message, false);
      }
      const res = await postJSON(conf.apiUrl, body, { httpConfig: conf.httpConfig, userAgent: opts.userAgent, timeoutMs: opts.timeoutMs, signal });
      checkStatus(res);
      if (res.contentType.startsWith('application/json')) {
        let answer: { ok?: unknown; error?: unknown } | undefined;
        try {
          answer = JSON.parse(res.body) as { ok?: unknown; error?: unknown };
        } catch {
          answer = undefined;
        }
        if (answer !== undefined && answer.ok === false) throw new NotifyError(`error response from Slack: ${String(answer.error)}`, false);
      }
    },
  };
}
