/**
 * The `--queries builtin` sets of `cairn bench query`: dashboard-like PromQL over the
 * node-exporter shaped series `cairn bench metrics` writes, and LogQL of the kinds Grafana's
 * Explore and log panels send (filters, parsers, metric queries by label).
 */

/** Dashboard-like PromQL: aggregations over rates, a histogram quantile, ratios, topk. */
export const BUILTIN_PROMQL: readonly string[] = [
  'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
  '1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))',
  'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes',
  'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[5m])))',
  'topk(5, rate(node_network_receive_bytes_total[5m]))',
  'count by (job) ({__name__=~"node_.+"})',
];

/** Log panels and log metrics: a stream, a line filter, a parser with a label filter, counts and bytes by label. */
export const BUILTIN_LOGQL: readonly string[] = [
  '{job=~".+"}',
  '{job=~".+"} |= "error"',
  '{job=~".+"} | logfmt | level="error"',
  'sum by (job) (count_over_time({job=~".+"}[5m]))',
  'sum(rate({job=~".+"} |~ "(?i)error|warn" [1m]))',
  'topk(5, sum by (job) (bytes_over_time({job=~".+"}[5m])))',
];

/** Queries from a file's text: one a line, blank lines and `#` comments skipped. */
export function parseQueryFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}
