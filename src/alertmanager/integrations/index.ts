/**
 * A receiver's integrations, built from its configuration and the tenant's compiled
 * templates, in configuration order (webhooks, then emails, then Slack), each carrying its
 * position for the notification log. Every `notify` is bounded by `timeoutMs` and the
 * dispatcher's signal, so a dead receiver holds nothing but its own attempt.
 */
import type { AlertTemplates } from '../templates.js';
import type { Integration, Receiver } from '../types.js';
import { emailIntegration } from './email.js';
import { slackIntegration } from './slack.js';
import { webhookIntegration } from './webhook.js';

/**
 * The `User-Agent` of webhook and Slack requests: Alertmanager's `Alertmanager/<version>`
 * shape, so receivers that look for it keep working, naming the Alertmanager release whose
 * behaviour Cairn follows and marking it as Cairn's.
 */
export const DEFAULT_USER_AGENT = 'Alertmanager/0.27.0-cairn';

/** Alertmanager's default per-request HTTP timeout has no bound; ours is one group_wait long, so a hanging receiver cannot stall a group. */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;

/** What every integration of a server shares. */
export interface IntegrationOptions {
  /** Per-attempt deadline (HTTP request, SMTP connection and each SMTP step). */
  readonly timeoutMs: number;
  readonly userAgent: string;
}

/** Defaults for IntegrationOptions. */
export function defaultIntegrationOptions(): IntegrationOptions {
  return { timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS, userAgent: DEFAULT_USER_AGENT };
}

/** The receiver's integrations, ready to notify; a receiver with none yields []. */
export function buildIntegrations(receiver: Receiver, templates: AlertTemplates, opts: IntegrationOptions): Integration[] {
  return receiver.integrations.map((conf, index) => {
    switch (conf.kind) {
      case 'webhook':
        return webhookIntegration(conf, index, opts);
      case 'email':
        return emailIntegration(conf, index, templates, opts);
      case 'slack':
        return slackIntegration(conf, index, templates, opts);
    }
  });
}
