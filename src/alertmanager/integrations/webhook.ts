/**
 * The webhook integration (`notify/webhook`): POSTs Alertmanager's payload version 4 —
 * the template data (`receiver`, `status`, `alerts`, `groupLabels`, `commonLabels`,
 * `commonAnnotations`, `externalURL`) then `version`, `groupKey` and `truncatedAlerts`, in
 * Go's field order — to the configured URL. `max_alerts` keeps the first N alerts and
 * counts the rest in `truncatedAlerts`; the common labels are those of the kept alerts.
 */
import { alertStatus, commonPairs, quoteMeta } from '../templates.js';
import type { Alert, Integration, NotificationData, WebhookConfig } from '../types.js';
import { checkStatus, postJSON } from './http.js';
import type { IntegrationOptions } from './index.js';

/** Go's `time.Time` JSON (RFC 3339 with the fraction's trailing zeros dropped); the zero time for a firing alert's end. */
export function goTimeJSON(ms: number | undefined): string {
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f === '' ? 'Z' : `.${f}Z`));
}

/** Sorted keys, as Go marshals a map. */
function sortedObject(m: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

const labelsMap = (a: Alert): Map<string, string> => new Map(a.labels.map((l) => [l.name, l.value]));
const annotationsMap = (a: Alert): Map<string, string> => new Map(Object.entries(a.annotations));

/** The JSON body Alertmanager POSTs for one notification (payload version 4). */
export function webhookPayload(data: NotificationData, maxAlerts: number): string {
  const kept = maxAlerts > 0 && data.alerts.length > maxAlerts ? data.alerts.slice(0, maxAlerts) : data.alerts;
  const firing = kept.some((a) => alertStatus(a, data.nowMs) === 'firing');
  const msg = {
    receiver: quoteMeta(data.receiver),
    status: firing ? 'firing' : 'resolved',
    alerts: kept.map((a) => {
      const status = alertStatus(a, data.nowMs);
      return {
        status,
        labels: sortedObject(labelsMap(a)),
        annotations: sortedObject(annotationsMap(a)),
        startsAt: goTimeJSON(a.startsAtMs),
        endsAt: goTimeJSON(status === 'firing' ? undefined : a.endsAtMs),
        generatorURL: a.generatorURL,
        fingerprint: a.fingerprint,
      };
    }),
    groupLabels: sortedObject(new Map(data.groupLabels.map((l) => [l.name, l.value]))),
    commonLabels: sortedObject(commonPairs(kept.map(labelsMap))),
    commonAnnotations: sortedObject(commonPairs(kept.map(annotationsMap))),
    externalURL: data.externalURL,
    version: '4',
    groupKey: data.groupKey,
    truncatedAlerts: data.alerts.length - kept.length,
  };
  return goJSON(msg);
}

/**
 * `json.NewEncoder(w).Encode(v)` as Alertmanager sends it: HTML-safe escapes of `<`, `>`,
 * `&`, U+2028 and U+2029 (those only occur inside strings, so replacing them after
 * stringifying is exact) and a trailing newline.
 */
export function goJSON(v: unknown): string {
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c]!) + '\n';
}

/** A webhook integration; `notify` resolves once the receiver answered 2xx. */
export function webhookIntegration(conf: WebhookConfig, index: number, opts: IntegrationOptions): Integration {
  return {
    kind: 'webhook',
    index,
    sendResolved: conf.sendResolved,
    async notify(data, signal) {
      const res = await postJSON(conf.url, webhookPayload(data, conf.maxAlerts), {
        httpConfig: conf.httpConfig,
        userAgent: opts.userAgent,
        timeoutMs: conf.timeoutMs > 0 ? conf.timeoutMs : opts.timeoutMs,
        signal,
      });
      checkStatus(res);
    },
  };
}
