/**
 * The multi-tenant Alertmanager's contracts (issue 9), shared by its parts: the parsed
 * configuration (config.ts parses Mimir's YAML into it), alerts as the dispatcher holds
 * them, and the integrations (webhook, email, Slack) the dispatcher notifies through.
 * Semantics follow Alertmanager 0.25+ (`../shared/reference/ruler-alertmanager.md` §6–8).
 *
 * Durations and times are milliseconds. Label matchers are model/matcher's (`=`, `!=`,
 * `=~`, `!~`, regexes fully anchored, RE2), which Alertmanager's matchers equal.
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

// ---------------------------------------------------------------------------------------
// Configuration

/** `group_by`: label names, or `...` (every label: no aggregation). */
export type GroupBy = { readonly all: true } | { readonly all: false; readonly labels: readonly string[] };

/**
 * A route with its inherited settings resolved (children inherit unset `receiver`,
 * `group_by`, `group_wait`, `group_interval`, `repeat_interval` from their parent).
 */
export interface Route {
  readonly receiver: string;
  readonly groupBy: GroupBy;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** `matchers` plus the legacy `match`/`match_re`, all of which must match. */
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly Route[];
  /**
   * Alertmanager's route key: the parent's key + `/` + this route's matchers as
   * `{a="b",c=~"d"}` (the root's is `{}`); aggregation group keys start with it.
   */
  readonly key: string;
}

export interface InhibitRule {
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  /** Labels whose values must be equal on source and target (a missing label equals ""). */
  readonly equal: readonly string[];
}

/** Alertmanager's `http_config`, the parts a multi-tenant server allows (no files, no proxies). */
export interface HttpClientConfig {
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** `authorization: {type, credentials}` (`bearer_token` maps to type Bearer). */
  readonly authorization?: { readonly type: string; readonly credentials: string };
  readonly insecureSkipVerify: boolean;
}

export interface WebhookConfig {
  readonly kind: 'webhook';
  readonly url: string;
  /** Default true. */
  readonly sendResolved: boolean;
  /** 0 = all alerts of the group. */
  readonly maxAlerts: number;
  readonly httpConfig: HttpClientConfig;
  /** Per-request timeout; 0 = the server's default. */
  readonly timeoutMs: number;
}

export interface EmailConfig {
  readonly kind: 'email';
  /** Templates (Go text/template) — `to`, `from`, headers and bodies are expanded per notification. */
  readonly to: string;
  readonly from: string;
  /** `host:port`. */
  readonly smarthost: string;
  readonly hello: string;
  readonly authUsername: string;
  readonly authPassword: string;
  readonly authIdentity: string;
  readonly authSecret: string;
  /** Default true: STARTTLS is required. */
  readonly requireTls: boolean;
  readonly tlsInsecureSkipVerify: boolean;
  /** Header templates, Subject included (default `{{ template "email.default.subject" . }}`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Default `{{ template "email.default.html" . }}`; '' = none. */
  readonly html: string;
  /** Default ''; '' = none. */
  readonly text: string;
  /** Default false. */
  readonly sendResolved: boolean;
}

export interface SlackConfig {
  readonly kind: 'slack';
  /** Incoming-webhook URL (`api_url`, or the global `slack_api_url`). */
  readonly apiUrl: string;
  /** Templates: default as Alertmanager's (`{{ template "slack.default.title" . }}` etc.). */
  readonly channel: string;
  readonly username: string;
  readonly color: string;
  readonly title: string;
  readonly titleLink: string;
  readonly pretext: string;
  readonly text: string;
  readonly fallback: string;
  readonly iconEmoji: string;
  readonly iconUrl: string;
  /** Default false. */
  readonly sendResolved: boolean;
  readonly httpConfig: HttpClientConfig;
}

export type IntegrationConfig = WebhookConfig | EmailConfig | SlackConfig;

export interface Receiver {
  readonly name: string;
  /** In config order: webhook_configs, then email_configs, then slack_configs. */
  readonly integrations: readonly IntegrationConfig[];
}

/** One entry of a time interval (Alertmanager's `TimeInterval`); empty lists mean "any". */
export interface TimeRange {
  /** Minutes since midnight, [start, end). */
  readonly times: readonly { readonly startMinute: number; readonly endMinute: number }[];
  /** 0 = Sunday … 6 = Saturday, inclusive ranges. */
  readonly weekdays: readonly { readonly begin: number; readonly end: number }[];
  /** 1–31 or negative from the month's end, inclusive ranges. */
  readonly daysOfMonth: readonly { readonly begin: number; readonly end: number }[];
  /** 1–12, inclusive ranges. */
  readonly months: readonly { readonly begin: number; readonly end: number }[];
  readonly years: readonly { readonly begin: number; readonly end: number }[];
  /** IANA zone name; 'UTC' by default. */
  readonly location: string;
}

export interface TimeInterval {
  readonly name: string;
  /** The interval is active when any entry matches. */
  readonly ranges: readonly TimeRange[];
}

/** A tenant's parsed and validated configuration. */
export interface AlertmanagerConfig {
  readonly resolveTimeoutMs: number;
  readonly route: Route;
  readonly inhibitRules: readonly InhibitRule[];
  readonly receivers: ReadonlyMap<string, Receiver>;
  /** `time_intervals` and the older `mute_time_intervals`, by name. */
  readonly timeIntervals: ReadonlyMap<string, TimeInterval>;
  /** The tenant's template files (name → text) named by `templates:`, in order. */
  readonly templateFiles: readonly { readonly name: string; readonly text: string }[];
  /** The `alertmanager_config` YAML as stored (what `/api/v2/status` shows as `config.original`). */
  readonly original: string;
}

// ---------------------------------------------------------------------------------------
// Alerts

/** An alert as the dispatcher holds it (Alertmanager's `types.Alert`). */
export interface Alert {
  readonly labels: Labels;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly updatedAtMs: number;
  readonly generatorURL: string;
  /** 16 lower-case hex digits: FNV-1a 64 of the sorted label pairs (see fingerprint.ts). */
  readonly fingerprint: string;
  /** True when `endsAtMs` was not sent and came from `resolve_timeout`. */
  readonly timeout: boolean;
}

/** Resolved at `nowMs` when its end is not after now. */
export function isResolved(a: Alert, nowMs: number): boolean {
  return a.endsAtMs <= nowMs;
}

// ---------------------------------------------------------------------------------------
// Notifications

/** What one notification of an aggregation group carries (the data templates see). */
export interface NotificationData {
  readonly tenant: string;
  readonly receiver: string;
  /** `{}:{alertname="X"}`-style group key (route key + `:` + group labels). */
  readonly groupKey: string;
  readonly groupLabels: Labels;
  /** Firing and resolved alerts of this notification, in the order to send. */
  readonly alerts: readonly Alert[];
  /** Alertmanager's external URL (`<cairn external url>/alertmanager`). */
  readonly externalURL: string;
  /** The time of the notification (resolved-ness of alerts is judged at it). */
  readonly nowMs: number;
}

/** The outcome of one attempt: `retry` false for a failure that will not get better (4xx). */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/**
 * One integration of a receiver, ready to send (templates compiled). `notify` resolves
 * when the notification was delivered and rejects with a NotifyError otherwise; it must
 * honour `signal` (the dispatcher aborts at its deadline) and never hang.
 */
export interface Integration {
  readonly kind: IntegrationConfig['kind'];
  /** Position among the receiver's integrations (Alertmanager's notification log key part). */
  readonly index: number;
  readonly sendResolved: boolean;
  notify(data: NotificationData, signal: AbortSignal): Promise<void>;
}
