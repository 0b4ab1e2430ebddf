/**
 * The `global:` block and `receivers:` of an Alertmanager configuration: decoding with
 * Alertmanager's keys, defaults and texts (webhook `send_resolved` true, email and Slack
 * false, email `require_tls` from `smtp_require_tls`, global SMTP and Slack settings
 * inherited), plus Mimir's multi-tenant refusals (files on the server, proxies), which
 * Mimir checks after the configuration loaded and which `refusals` collects in Mimir's
 * walk order for config.ts to report.
 *
 * Only the webhook, email and Slack integrations are built. Alertmanager's other
 * integrations, and the Slack and HTTP options the integrations do not implement, are
 * refused with a message saying so rather than accepted and ignored.
 */
import type { Node } from 'yaml';
import type { EmailConfig, HttpClientConfig, IntegrationConfig, Receiver, SlackConfig, WebhookConfig } from './types.js';
import { ConfigDecodeError, parseGoDuration, parseHostPort, parseHttpUrl, parsePromDuration, type YamlDecoder } from './config-yaml.js';

/** Mimir's refusals (`pkg/alertmanager/api.go`), texts exact. */
export const MIMIR_REFUSALS = {
  passwordFile: 'setting password_file, bearer_token_file and credentials_file is not allowed',
  oauth2SecretFile: 'setting OAuth2 client_secret_file is not allowed',
  proxyUrl: 'setting proxy_url is not allowed',
  tlsFiles: 'setting TLS ca_file, cert_file and key_file is not allowed',
  slackApiUrlFile: 'setting Slack api_url_file and global slack_api_url_file is not allowed',
  webhookUrlFile: 'setting webhook url_file is not allowed',
} as const;

/** What decoding one part found that Mimir refuses after the load; the first one is reported. */
export type Refusals = string[];

/** An `http_config` as decoded: the parts built, plus Alertmanager's defaults. */
interface DecodedHttp {
  readonly config: HttpClientConfig;
}

const HTTP_KEYS = [
  'basic_auth', 'authorization', 'oauth2', 'bearer_token', 'bearer_token_file', 'proxy_url', 'no_proxy', 'proxy_from_environment',
  'proxy_connect_header', 'tls_config', 'follow_redirects', 'enable_http2', 'http_headers',
] as const;
const TLS_KEYS = ['ca', 'cert', 'key', 'ca_file', 'cert_file', 'key_file', 'ca_ref', 'cert_ref', 'key_ref', 'server_name', 'insecure_skip_verify', 'min_version', 'max_version'] as const;

/** Prometheus's default HTTP client config: no auth, TLS verified. */
export const DEFAULT_HTTP_CONFIG: HttpClientConfig = { insecureSkipVerify: false };

/** A feature of Alertmanager's configuration that cairn does not build. */
function notBuilt(what: string): ConfigDecodeError {
  return new ConfigDecodeError(`${what} is not supported by cairn`);
}

/**
 * Decodes a `tls_config` (`commoncfg.TLSConfig`): only `insecure_skip_verify` is built;
 * file references are Mimir's refusal, other settings are refused as not built.
 */
function decodeTls(d: YamlDecoder, node: Node | null | undefined, refusals: Refusals, where: string): boolean | undefined {
  const f = d.struct(node, 'config.plain', TLS_KEYS);
  if (f === undefined || f.node === null) return undefined;
  const s = (k: string) => d.string(f.fields.get(k)) ?? '';
  if (s('ca_file') !== '' || s('cert_file') !== '' || s('key_file') !== '') refusals.push(MIMIR_REFUSALS.tlsFiles);
  for (const k of ['ca', 'cert', 'key', 'ca_ref', 'cert_ref', 'key_ref', 'server_name', 'min_version', 'max_version']) {
    if (s(k) !== '') refusals.push(notBuilt(`${where} tls_config ${k}`).message);
  }
  return d.bool(f.fields.get('insecure_skip_verify')) ?? false;
}

/**
 * Decodes an `http_config` (`commoncfg.HTTPClientConfig`) with its validation texts:
 * basic auth, `authorization` (type defaults to Bearer; `bearer_token` maps to it) and
 * `tls_config.insecure_skip_verify`. Returns undefined when the key is absent (the
 * caller then inherits the global one).
 */
export function decodeHttpConfig(d: YamlDecoder, node: Node | null | undefined, refusals: Refusals, where: string): DecodedHttp | undefined {
  const mark = d.mark;
  const f = d.struct(node, 'config.plain', HTTP_KEYS);
  if (f === undefined || f.node === null) return undefined;
  const get = (k: string) => f.fields.get(k);
  // Settings cairn does not build, reported after Mimir's refusals (which name the same keys more precisely).
  const unbuilt: string[] = [];
  let basicAuth: { username: string; password: string } | undefined;
  let passwordFile = '';
  if (get('basic_auth') !== undefined && get('basic_auth') !== null) {
    const b = d.struct(get('basic_auth'), 'config.BasicAuth', ['username', 'username_file', 'username_ref', 'password', 'password_file', 'password_ref']);
    const s = (k: string) => d.string(b?.fields.get(k)) ?? '';
    basicAuth = { username: s('username'), password: s('password') };
    passwordFile = s('password_file');
    if (s('username_file') !== '' || s('username_ref') !== '' || s('password_ref') !== '') unbuilt.push(`${where} basic_auth username_file, username_ref and password_ref`);
    if ([s('password'), passwordFile].filter((x) => x !== '').length > 1) throw new ConfigDecodeError('at most one of basic_auth password, password_file & password_ref must be configured');
  }
  let authorization: { type: string; credentials: string } | undefined;
  let credentialsFile = '';
  if (get('authorization') !== undefined && get('authorization') !== null) {
    const a = d.struct(get('authorization'), 'config.Authorization', ['type', 'credentials', 'credentials_file', 'credentials_ref']);
    const s = (k: string) => d.string(a?.fields.get(k)) ?? '';
    authorization = { type: s('type').trim(), credentials: s('credentials') };
    credentialsFile = s('credentials_file');
    if (s('credentials_ref') !== '') unbuilt.push(`${where} authorization credentials_ref`);
  }
  const oauth2 = get('oauth2');
  let oauth2SecretFile = '';
  if (oauth2 !== undefined && oauth2 !== null) {
    const o = d.struct(oauth2, 'config.plain', ['client_id', 'client_secret', 'client_secret_file', 'client_secret_ref', 'scopes', 'token_url', 'endpoint_params', 'tls_config', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header']);
    oauth2SecretFile = d.string(o?.fields.get('client_secret_file')) ?? '';
  }
  const bearerToken = d.string(get('bearer_token')) ?? '';
  const bearerTokenFile = d.string(get('bearer_token_file')) ?? '';
  const proxyUrl = d.string(get('proxy_url')) ?? '';
  const tlsRefusals: Refusals = [];
  const insecure = decodeTls(d, get('tls_config'), tlsRefusals, where);
  d.bool(get('follow_redirects'));
  d.bool(get('enable_http2'));
  const proxyFromEnv = d.bool(get('proxy_from_environment')) ?? false;
  const noProxy = d.string(get('no_proxy')) ?? '';
  if (d.mark !== mark) return undefined;

  // prometheus/common's HTTPClientConfig.Validate, in its order.
  if (bearerToken !== '' && bearerTokenFile !== '') throw new ConfigDecodeError('at most one of bearer_token & bearer_token_file must be configured');
  if ((basicAuth !== undefined || oauth2 != null) && (bearerToken !== '' || bearerTokenFile !== '')) {
    throw new ConfigDecodeError('at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured');
  }
  if (authorization !== undefined) {
    if (bearerToken !== '' || bearerTokenFile !== '') throw new ConfigDecodeError('authorization is not compatible with bearer_token & bearer_token_file');
    if (authorization.credentials !== '' && credentialsFile !== '') throw new ConfigDecodeError('at most one of authorization credentials & credentials_file must be configured');
    if (authorization.type === '') authorization.type = 'Bearer';
    if (authorization.type.toLowerCase() === 'basic') throw new ConfigDecodeError('authorization type cannot be set to "basic", use "basic_auth" instead');
    if (basicAuth !== undefined || oauth2 != null) throw new ConfigDecodeError('at most one of basic_auth, oauth2 & authorization must be configured');
  } else if (bearerToken !== '') {
    authorization = { type: 'Bearer', credentials: bearerToken };
  }
  if (basicAuth !== undefined && oauth2 != null) throw new ConfigDecodeError('at most one of basic_auth, oauth2 & authorization must be configured');

  // Mimir's validateReceiverHTTPConfig, in its order.
  if (passwordFile !== '' || credentialsFile !== '' || bearerTokenFile !== '') refusals.push(MIMIR_REFUSALS.passwordFile);
  if (proxyUrl !== '') refusals.push(MIMIR_REFUSALS.proxyUrl);
  if (oauth2SecretFile !== '') refusals.push(MIMIR_REFUSALS.oauth2SecretFile);
  refusals.push(...tlsRefusals);
  if (oauth2 != null) unbuilt.push(`${where} oauth2`);
  if (proxyFromEnv || noProxy !== '' || (get('proxy_connect_header') ?? null) !== null) unbuilt.push(`${where} proxy settings`);
  if ((get('http_headers') ?? null) !== null) unbuilt.push(`${where} http_headers`);
  refusals.push(...unbuilt.map((w) => notBuilt(w).message));

  return {
    config: {
      ...(basicAuth === undefined ? {} : { basicAuth }),
      ...(authorization === undefined ? {} : { authorization }),
      insecureSkipVerify: insecure ?? false,
    },
  };
}

// ---------------------------------------------------------------------------------------
// global:

/** The `global:` settings receivers inherit. */
export interface GlobalSettings {
  readonly resolveTimeoutMs: number;
  readonly httpConfig: HttpClientConfig;
  readonly smtpFrom: string;
  readonly smtpHello: string;
  readonly smtpSmarthost: string;
  readonly smtpAuthUsername: string;
  readonly smtpAuthPassword: string;
  readonly smtpAuthSecret: string;
  readonly smtpAuthIdentity: string;
  readonly smtpRequireTls: boolean;
  readonly smtpTlsInsecureSkipVerify: boolean;
  readonly slackApiUrl: string;
}

/** `DefaultGlobalConfig()`: resolve_timeout 5m, smtp_hello localhost, smtp_require_tls true. */
export const DEFAULT_GLOBAL: GlobalSettings = {
  resolveTimeoutMs: 5 * 60_000,
  httpConfig: DEFAULT_HTTP_CONFIG,
  smtpFrom: '',
  smtpHello: 'localhost',
  smtpSmarthost: '',
  smtpAuthUsername: '',
  smtpAuthPassword: '',
  smtpAuthSecret: '',
  smtpAuthIdentity: '',
  smtpRequireTls: true,
  smtpTlsInsecureSkipVerify: false,
  slackApiUrl: '',
};

/** Global keys of integrations cairn does not build: accepted (Alertmanager knows them), URL-checked, unused. */
const OTHER_GLOBAL_URLS = ['pagerduty_url', 'opsgenie_api_url', 'wechat_api_url', 'victorops_api_url', 'telegram_api_url', 'webex_api_url', 'jira_api_url', 'rocketchat_api_url'] as const;
const OTHER_GLOBAL_STRINGS = ['opsgenie_api_key', 'wechat_api_secret', 'wechat_api_corp_id', 'victorops_api_key', 'rocketchat_token', 'rocketchat_token_id'] as const;
const OTHER_GLOBAL_FILES = ['opsgenie_api_key_file', 'victorops_api_key_file', 'rocketchat_token_file', 'rocketchat_token_id_file'] as const;

const GLOBAL_KEYS = [
  'resolve_timeout', 'http_config', 'smtp_from', 'smtp_hello', 'smtp_smarthost', 'smtp_auth_username', 'smtp_auth_password', 'smtp_auth_password_file',
  'smtp_auth_secret', 'smtp_auth_secret_file', 'smtp_auth_identity', 'smtp_require_tls', 'smtp_tls_config', 'slack_api_url', 'slack_api_url_file',
  ...OTHER_GLOBAL_URLS, ...OTHER_GLOBAL_STRINGS, ...OTHER_GLOBAL_FILES,
];

/** Decodes `global:` (absent or empty: Alertmanager's defaults). */
export function decodeGlobal(d: YamlDecoder, node: Node | null | undefined, refusals: Refusals): GlobalSettings {
  const f = d.struct(node, 'config.plain', GLOBAL_KEYS);
  if (f === undefined || f.node === null) return DEFAULT_GLOBAL;
  const get = (k: string) => f.fields.get(k);
  const s = (k: string) => d.string(get(k)) ?? '';
  const has = (k: string) => get(k) !== undefined && get(k) !== null;
  const url = (k: string): string => (has(k) ? parseHttpUrl(s(k)) : '');
  // Field order of GlobalConfig, so the first bare error is Alertmanager's.
  const resolveTimeoutMs = has('resolve_timeout') ? parsePromDuration(s('resolve_timeout')) : DEFAULT_GLOBAL.resolveTimeoutMs;
  const globalRefusals: Refusals = [];
  const http = decodeHttpConfig(d, get('http_config'), globalRefusals, 'global http_config');
  const smtpSmarthost = parseHostPort(s('smtp_smarthost'));
  const smtpTls = decodeTls(d, get('smtp_tls_config'), globalRefusals, 'global smtp_tls_config');
  const slackApiUrl = url('slack_api_url');
  for (const k of OTHER_GLOBAL_URLS) url(k);
  for (const k of OTHER_GLOBAL_STRINGS) s(k);

  if (slackApiUrl !== '' && s('slack_api_url_file') !== '') throw new ConfigDecodeError('at most one of slack_api_url & slack_api_url_file must be configured');
  if (s('opsgenie_api_key') !== '' && s('opsgenie_api_key_file') !== '') throw new ConfigDecodeError('at most one of opsgenie_api_key & opsgenie_api_key_file must be configured');
  if (s('victorops_api_key') !== '' && s('victorops_api_key_file') !== '') throw new ConfigDecodeError('at most one of victorops_api_key & victorops_api_key_file must be configured');
  if (s('smtp_auth_password') !== '' && s('smtp_auth_password_file') !== '') throw new ConfigDecodeError('at most one of smtp_auth_password & smtp_auth_password_file must be configured');
  if (s('smtp_auth_secret') !== '' && s('smtp_auth_secret_file') !== '') throw new ConfigDecodeError('at most one of smtp_auth_secret & smtp_auth_secret_file must be configured');

  // Mimir: validateGlobalConfig first, then what the global block contains.
  if (s('slack_api_url_file') !== '') refusals.push(MIMIR_REFUSALS.slackApiUrlFile);
  refusals.push(...globalRefusals);
  // Files on the server are not a tenant's to read (Mimir's rule for passwords, extended to every global *_file key).
  if (s('smtp_auth_password_file') !== '' || s('smtp_auth_secret_file') !== '') refusals.push(MIMIR_REFUSALS.passwordFile);
  for (const k of OTHER_GLOBAL_FILES) if (s(k) !== '') refusals.push(`setting global ${k} is not allowed`);

  return {
    resolveTimeoutMs,
    httpConfig: http?.config ?? DEFAULT_HTTP_CONFIG,
    smtpFrom: s('smtp_from'),
    smtpHello: has('smtp_hello') ? s('smtp_hello') : DEFAULT_GLOBAL.smtpHello,
    smtpSmarthost,
    smtpAuthUsername: s('smtp_auth_username'),
    smtpAuthPassword: s('smtp_auth_password'),
    smtpAuthSecret: s('smtp_auth_secret'),
    smtpAuthIdentity: s('smtp_auth_identity'),
    smtpRequireTls: has('smtp_require_tls') ? (d.bool(get('smtp_require_tls')) ?? true) : DEFAULT_GLOBAL.smtpRequireTls,
    smtpTlsInsecureSkipVerify: smtpTls ?? false,
    slackApiUrl,
  };
}

// ---------------------------------------------------------------------------------------
// receivers:

/** Alertmanager's other integrations: refused while cairn does not build them. */
const OTHER_INTEGRATIONS = [
  'discord_configs', 'incidentio_configs', 'pagerduty_configs', 'opsgenie_configs', 'wechat_configs', 'pushover_configs', 'victorops_configs',
  'sns_configs', 'telegram_configs', 'webex_configs', 'msteams_configs', 'msteamsv2_configs', 'jira_configs', 'rocketchat_configs', 'mattermost_configs',
] as const;
const RECEIVER_KEYS = ['name', 'webhook_configs', 'email_configs', 'slack_configs', ...OTHER_INTEGRATIONS];

const WEBHOOK_KEYS = ['send_resolved', 'http_config', 'url', 'url_file', 'max_alerts', 'timeout'] as const;
const EMAIL_KEYS = [
  'send_resolved', 'to', 'from', 'hello', 'smarthost', 'auth_username', 'auth_password', 'auth_password_file', 'auth_secret', 'auth_secret_file',
  'auth_identity', 'headers', 'html', 'text', 'require_tls', 'tls_config',
] as const;
/** Slack keys the integration builds. */
const SLACK_BUILT = ['send_resolved', 'http_config', 'api_url', 'api_url_file', 'channel', 'username', 'color', 'title', 'title_link', 'pretext', 'text', 'fallback', 'icon_emoji', 'icon_url'] as const;
/** Slack keys Alertmanager knows that cairn's integration does not build (refused when set). */
const SLACK_NOT_BUILT = ['fields', 'short_fields', 'footer', 'callback_id', 'image_url', 'thumb_url', 'link_names', 'mrkdwn_in', 'actions', 'update_message'] as const;

/** Alertmanager's `DefaultSlackConfig` templates. */
const SLACK_DEFAULTS = {
  color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}',
  username: '{{ template "slack.default.username" . }}',
  title: '{{ template "slack.default.title" . }}',
  titleLink: '{{ template "slack.default.titlelink" . }}',
  iconEmoji: '{{ template "slack.default.iconemoji" . }}',
  iconUrl: '{{ template "slack.default.iconurl" . }}',
  pretext: '{{ template "slack.default.pretext" . }}',
  text: '{{ template "slack.default.text" . }}',
  fallback: '{{ template "slack.default.fallback" . }}',
} as const;

/** `DefaultEmailConfig.HTML` and `DefaultEmailSubject`. */
const EMAIL_DEFAULT_HTML = '{{ template "email.default.html" . }}';
const EMAIL_DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}';

/** Go's `textproto.CanonicalMIMEHeaderKey`: `content-type` → `Content-Type` (left alone if it has invalid characters). */
function canonicalHeader(h: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(h)) return h;
  return h
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

function decodeWebhook(d: YamlDecoder, node: Node | null, global: GlobalSettings, refusals: Refusals): WebhookConfig | undefined {
  const mark = d.mark;
  const f = d.struct(node, 'config.plain', WEBHOOK_KEYS);
  if (f === undefined) return undefined;
  const get = (k: string) => f.fields.get(k);
  const sendResolved = f.fields.has('send_resolved') ? d.bool(get('send_resolved')) : true;
  const ownRefusals: Refusals = [];
  const http = decodeHttpConfig(d, get('http_config'), ownRefusals, 'webhook_configs http_config');
  const hasUrl = get('url') !== undefined && get('url') !== null;
  const url = hasUrl ? d.string(get('url')) : '';
  const urlFile = d.string(get('url_file')) ?? '';
  const maxAlerts = d.int(get('max_alerts'), 'uint64');
  let timeoutMs: number | undefined = 0;
  const timeoutNode = get('timeout');
  if (timeoutNode !== undefined && timeoutNode !== null) {
    const t = d.string(timeoutNode);
    timeoutMs = t === undefined ? undefined : parseGoDuration(t);
    if (t !== undefined && timeoutMs === undefined) d.typeError(timeoutNode, 'time.Duration');
  }
  if (d.mark !== mark || url === undefined || sendResolved === undefined || maxAlerts === undefined || timeoutMs === undefined) return undefined;
  if (hasUrl) parseHttpUrl(url);
  if (!hasUrl && urlFile === '') throw new ConfigDecodeError('one of url or url_file must be configured');
  if (hasUrl && urlFile !== '') throw new ConfigDecodeError('at most one of url & url_file must be configured');
  refusals.push(...ownRefusals);
  if (urlFile !== '') refusals.push(MIMIR_REFUSALS.webhookUrlFile);
  return { kind: 'webhook', url, sendResolved, maxAlerts, httpConfig: http?.config ?? global.httpConfig, timeoutMs };
}

function decodeEmail(d: YamlDecoder, node: Node | null, refusals: Refusals): { config: EmailConfig; requireTlsSet: boolean; tlsSet: boolean; raw: Record<string, string> } | undefined {
  const mark = d.mark;
  const f = d.struct(node, 'config.plain', EMAIL_KEYS);
  if (f === undefined) return undefined;
  const get = (k: string) => f.fields.get(k);
  const s = (k: string) => d.string(get(k)) ?? '';
  const sendResolved = d.bool(get('send_resolved'));
  const headers = d.stringMap(get('headers'));
  const requireTls = d.bool(get('require_tls'));
  const tlsRefusals: Refusals = [];
  const insecure = decodeTls(d, get('tls_config'), tlsRefusals, 'email_configs');
  const raw: Record<string, string> = {};
  for (const k of ['to', 'from', 'hello', 'smarthost', 'auth_username', 'auth_password', 'auth_password_file', 'auth_secret', 'auth_secret_file', 'auth_identity']) raw[k] = s(k);
  const html = f.fields.has('html') ? s('html') : EMAIL_DEFAULT_HTML;
  const text = s('text');
  if (d.mark !== mark || headers === undefined || sendResolved === undefined || requireTls === undefined) return undefined;
  raw.smarthost = parseHostPort(raw.smarthost!);
  if (raw.to === '') throw new ConfigDecodeError('missing to address in email config');
  // Header names are case-insensitive: two spellings of one header are a conflict.
  const normalized: Record<string, string> = {};
  for (const [h, v] of headers) {
    const n = canonicalHeader(h);
    if (n in normalized) throw new ConfigDecodeError(`duplicate header ${JSON.stringify(n)} in email config`);
    normalized[n] = v;
  }
  if (!('Subject' in normalized)) normalized.Subject = EMAIL_DEFAULT_SUBJECT;
  if (raw.auth_password_file !== '' || raw.auth_secret_file !== '') tlsRefusals.unshift(MIMIR_REFUSALS.passwordFile);
  refusals.push(...tlsRefusals);
  return {
    config: {
      kind: 'email',
      to: raw.to!,
      from: raw.from!,
      smarthost: raw.smarthost,
      hello: raw.hello!,
      authUsername: raw.auth_username!,
      authPassword: raw.auth_password!,
      authIdentity: raw.auth_identity!,
      authSecret: raw.auth_secret!,
      requireTls,
      tlsInsecureSkipVerify: insecure ?? false,
      headers: normalized,
      html,
      text,
      sendResolved,
    },
    requireTlsSet: f.fields.has('require_tls') && get('require_tls') !== null,
    tlsSet: insecure !== undefined,
    raw,
  };
}

function decodeSlack(d: YamlDecoder, node: Node | null, global: GlobalSettings, refusals: Refusals): SlackConfig | undefined {
  const mark = d.mark;
  const f = d.struct(node, 'config.plain', [...SLACK_BUILT, ...SLACK_NOT_BUILT]);
  if (f === undefined) return undefined;
  const get = (k: string) => f.fields.get(k);
  const s = (k: string) => d.string(get(k)) ?? '';
  const has = (k: string) => get(k) !== undefined && get(k) !== null;
  const sendResolved = d.bool(get('send_resolved'));
  const ownRefusals: Refusals = [];
  const http = decodeHttpConfig(d, get('http_config'), ownRefusals, 'slack_configs http_config');
  const apiUrl = has('api_url') ? s('api_url') : '';
  const apiUrlFile = s('api_url_file');
  const tpl = (k: string, def: string) => (f.fields.has(k) ? s(k) : def);
  const out = {
    channel: s('channel'),
    username: tpl('username', SLACK_DEFAULTS.username),
    color: tpl('color', SLACK_DEFAULTS.color),
    title: tpl('title', SLACK_DEFAULTS.title),
    titleLink: tpl('title_link', SLACK_DEFAULTS.titleLink),
    pretext: tpl('pretext', SLACK_DEFAULTS.pretext),
    text: tpl('text', SLACK_DEFAULTS.text),
    fallback: tpl('fallback', SLACK_DEFAULTS.fallback),
    iconEmoji: tpl('icon_emoji', SLACK_DEFAULTS.iconEmoji),
    iconUrl: tpl('icon_url', SLACK_DEFAULTS.iconUrl),
  };
  if (d.mark !== mark || sendResolved === undefined) return undefined;
  if (has('api_url')) parseHttpUrl(apiUrl);
  if (has('api_url') && apiUrlFile !== '') throw new ConfigDecodeError('at most one of api_url & api_url_file must be configured');
  for (const k of SLACK_NOT_BUILT) {
    const n = get(k);
    if (n === undefined || n === null) continue;
    // The defaults (false, empty) change nothing, so they are accepted.
    const v = d.resolve(n);
    const isDefault = v === null || ('value' in v && (v.value === false || v.value === '')) || ('items' in v && (v as { items: unknown[] }).items.length === 0);
    if (!isDefault) throw notBuilt(`slack_configs ${k}`);
  }
  if (apiUrlFile !== '') refusals.push(MIMIR_REFUSALS.slackApiUrlFile);
  refusals.push(...ownRefusals);
  return { kind: 'slack', apiUrl: apiUrl === '' ? global.slackApiUrl : apiUrl, sendResolved, httpConfig: http?.config ?? global.httpConfig, ...out, ...(apiUrl === '' && apiUrlFile === '' ? { apiUrlUnset: true } : {}) } as SlackConfig;
}

/** A receiver as decoded, before the global settings are applied. */
export interface DecodedReceiver {
  readonly name: string;
  readonly webhooks: readonly WebhookConfig[];
  readonly emails: readonly NonNullable<ReturnType<typeof decodeEmail>>[];
  readonly slacks: readonly SlackConfig[];
  readonly refusals: Refusals;
}

/** Decodes `receivers:` (each receiver's own validation runs here, as in its `UnmarshalYAML`). */
export function decodeReceivers(d: YamlDecoder, node: Node | null | undefined, global: GlobalSettings): DecodedReceiver[] {
  const decoded: DecodedReceiver[] = [];
  for (const item of d.seq(node, '[]config.Receiver') ?? []) {
    const mark = d.mark;
    const f = d.struct(item, 'config.plain', RECEIVER_KEYS);
    if (f === undefined) continue;
    const name = d.string(f.fields.get('name'));
    const rRefusals: Refusals = [];
    const emails = (d.seq(f.fields.get('email_configs'), '[]*config.EmailConfig') ?? []).map((n) => decodeEmail(d, n, rRefusals));
    const slacks = (d.seq(f.fields.get('slack_configs'), '[]*config.SlackConfig') ?? []).map((n) => decodeSlack(d, n, global, rRefusals));
    const webhooks = (d.seq(f.fields.get('webhook_configs'), '[]*config.WebhookConfig') ?? []).map((n) => decodeWebhook(d, n, global, rRefusals));
    for (const k of OTHER_INTEGRATIONS) {
      const items = d.seq(f.fields.get(k), `[]*config.${k}`);
      if (items !== undefined && items.length > 0) throw notBuilt(`${k} (receiver ${JSON.stringify(name ?? '')})`);
    }
    if (d.mark !== mark || name === undefined) continue;
    if (name === '') throw new ConfigDecodeError('missing name in receiver');
    decoded.push({
      name,
      webhooks: webhooks.filter((w): w is WebhookConfig => w !== undefined),
      emails: emails.filter((e): e is NonNullable<typeof e> => e !== undefined),
      slacks: slacks.filter((s): s is SlackConfig => s !== undefined),
      refusals: rRefusals,
    });
  }
  return decoded;
}

/**
 * Applies the global settings to decoded receivers as Alertmanager's
 * `Config.UnmarshalYAML` does, with its texts (`notification config name "x" is not
 * unique`, `no global SMTP smarthost set`, `no global Slack API URL set either inline or
 * in a file`). Mimir's refusals go to `refusals`, in Mimir's walk order.
 */
export function resolveReceivers(decoded: readonly DecodedReceiver[], global: GlobalSettings, refusals: Refusals): Receiver[] {
  const out: Receiver[] = [];
  const names = new Set<string>();
  for (const r of decoded) {
    if (names.has(r.name)) throw new ConfigDecodeError(`notification config name ${JSON.stringify(r.name)} is not unique`);
    const emails: EmailConfig[] = [];
    for (const e of r.emails) {
      let smarthost = e.config.smarthost;
      if (smarthost === '') {
        if (global.smtpSmarthost === '') throw new ConfigDecodeError('no global SMTP smarthost set');
        smarthost = global.smtpSmarthost;
      }
      let from = e.config.from;
      if (from === '') {
        if (global.smtpFrom === '') throw new ConfigDecodeError('no global SMTP from set');
        from = global.smtpFrom;
      }
      const inheritPassword = e.raw.auth_password === '' && e.raw.auth_password_file === '';
      const inheritSecret = e.raw.auth_secret === '' && e.raw.auth_secret_file === '';
      emails.push({
        ...e.config,
        smarthost,
        from,
        hello: e.config.hello === '' ? global.smtpHello : e.config.hello,
        authUsername: e.config.authUsername === '' ? global.smtpAuthUsername : e.config.authUsername,
        authPassword: inheritPassword ? global.smtpAuthPassword : e.config.authPassword,
        authSecret: inheritSecret ? global.smtpAuthSecret : e.config.authSecret,
        authIdentity: e.config.authIdentity === '' ? global.smtpAuthIdentity : e.config.authIdentity,
        requireTls: e.requireTlsSet ? e.config.requireTls : global.smtpRequireTls,
        tlsInsecureSkipVerify: e.tlsSet ? e.config.tlsInsecureSkipVerify : global.smtpTlsInsecureSkipVerify,
      });
    }
    const slacks: SlackConfig[] = [];
    for (const sc of r.slacks) {
      const { apiUrlUnset, ...rest } = sc as SlackConfig & { apiUrlUnset?: boolean };
      if (apiUrlUnset === true && global.slackApiUrl === '') throw new ConfigDecodeError('no global Slack API URL set either inline or in a file');
      slacks.push(rest);
    }
    names.add(r.name);
    refusals.push(...r.refusals);
    const integrations: IntegrationConfig[] = [...r.webhooks, ...emails, ...slacks];
    out.push({ name: r.name, integrations });
  }
  return out;
}
