/**
 * The ruler bench's data and rules: 1 000 metrics × 100 series (10 jobs × 10 instances),
 * half counters and half gauges, encoded as remote-write requests one scrape round at a
 * time (a hand-rolled protobuf writer over pre-encoded label bytes, so the load generator
 * stays cheap next to the server it measures), and one recording rule per metric in
 * groups of 20, as YAML bodies for `POST /prometheus/config/v1/rules/<namespace>`.
 */
import { snappyCompress } from '../../src/ingest/remote-write/index.js';
import { rng } from './payloads.js';

export const METRICS = 1000;
export const JOBS = 10;
export const INSTANCES_PER_JOB = 10;
export const SERIES_PER_METRIC = JOBS * INSTANCES_PER_JOB;
/** Mimir's default `ruler_max_rules_per_rule_group`. */
export const RULES_PER_GROUP = 20;
/** Groups are spread over this many namespaces (as teams split rule files). */
export const NAMESPACES = 5;

/** Counters are the even metrics, gauges the odd ones. */
export function metricName(m: number): string {
  const id = String(m).padStart(4, '0');
  return m % 2 === 0 ? `bench_requests_${id}_total` : `bench_queue_depth_${id}`;
}

/** One series: its `Label` messages already encoded, and its current value. */
interface BenchSeries {
  readonly labelBytes: Buffer;
  readonly counter: boolean;
  value: number;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A length-delimited field: tag, length, bytes. */
function lenField(field: number, bytes: Buffer): Buffer {
  const head = Buffer.alloc(1 + varintLength(bytes.length));
  head[0] = (field << 3) | 2;
  writeVarint(head, 1, bytes.length);
  return Buffer.concat([head, bytes]);
}

/** `Label{name, value}` as field 1 of a TimeSeries. */
function encodeLabel(name: string, value: string): Buffer {
  return lenField(1, Buffer.concat([lenField(1, Buffer.from(name)), lenField(2, Buffer.from(value))]));
}

/** Every series of the bench, labels sorted as Prometheus sends them. */
export function benchSeries(seed = 8): BenchSeries[] {
  const rand = rng(seed);
  const out: BenchSeries[] = [];
  for (let m = 0; m < METRICS; m++) {
    for (let j = 0; j < JOBS; j++) {
      for (let i = 0; i < INSTANCES_PER_JOB; i++) {
        const labels: [string, string][] = [
          ['__name__', metricName(m)],
          ['instance', `host-${j}-${i}.example.internal:9100`],
          ['job', `service-${j}`],
        ];
        const counter = m % 2 === 0;
        out.push({ labelBytes: Buffer.concat(labels.map(([n, v]) => encodeLabel(n, v))), counter, value: counter ? Math.floor(rand() * 1e6) : rand() * 1000 });
      }
    }
  }
  return out;
}

/**
 * One scrape round as remote-write requests: every series gets one new sample at `tMs`,
 * series `i` goes into request `i % requests` (so each request mixes metrics, as a
 * Prometheus shard's batch does), each request Snappy-compressed.
 */
export function encodeRound(series: BenchSeries[], tMs: number, requests: number, rand: () => number): Buffer[] {
  const parts: Buffer[][] = Array.from({ length: requests }, () => []);
  const sample = Buffer.alloc(32);
  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    s.value = s.counter ? s.value + Math.floor(rand() * 100) : Math.max(0, s.value + (rand() - 0.5) * 50);
    // Sample{value: double (field 1), timestamp: int64 (field 2)}.
    let p = 0;
    sample[p++] = (1 << 3) | 1;
    sample.writeDoubleLE(s.value, p);
    p += 8;
    sample[p++] = 2 << 3;
    p = writeVarint(sample, p, tMs);
    const ts = Buffer.concat([s.labelBytes, lenField(2, sample.subarray(0, p))]);
    parts[i % requests]!.push(lenField(1, ts));
  }
  return parts.map((p) => Buffer.from(snappyCompress(Buffer.concat(p))));
}

/** One recording rule per metric, in the shapes dashboards and SLO rules commonly use. */
export function recordingRule(m: number): { record: string; expr: string; outputSeries: number } {
  const name = metricName(m);
  const base = name.replace(/_total$/, '');
  const shape = Math.floor(m / 2) % 3;
  if (m % 2 === 0) {
    if (shape === 0) return { record: `job:${base}:rate1m`, expr: `sum by (job) (rate(${name}[1m]))`, outputSeries: JOBS };
    if (shape === 1) return { record: `instance:${base}:rate5m`, expr: `sum by (job, instance) (rate(${name}[5m]))`, outputSeries: SERIES_PER_METRIC };
    return { record: `cluster:${base}:increase5m`, expr: `sum(increase(${name}[5m]))`, outputSeries: 1 };
  }
  if (shape === 0) return { record: `instance:${base}:avg`, expr: `avg by (instance) (${name})`, outputSeries: SERIES_PER_METRIC };
  if (shape === 1) return { record: `job:${base}:max`, expr: `max by (job) (${name})`, outputSeries: JOBS };
  return { record: `job:${base}:over500:count`, expr: `count by (job) (${name} > 500)`, outputSeries: JOBS };
}

/** A rule group as the config API takes it, with where to POST it. */
export interface BenchGroup {
  readonly namespace: string;
  readonly name: string;
  readonly yaml: string;
}

/** `METRICS / RULES_PER_GROUP` groups of `RULES_PER_GROUP` recording rules at `interval`. */
export function benchGroups(interval: string): BenchGroup[] {
  const groups: BenchGroup[] = [];
  for (let g = 0; g * RULES_PER_GROUP < METRICS; g++) {
    const lines = [`name: bench-${String(g).padStart(2, '0')}`, `interval: ${interval}`, 'rules:'];
    for (let m = g * RULES_PER_GROUP; m < Math.min(METRICS, (g + 1) * RULES_PER_GROUP); m++) {
      const r = recordingRule(m);
      lines.push(`  - record: ${r.record}`, `    expr: ${JSON.stringify(r.expr)}`);
    }
    groups.push({ namespace: `team-${g % NAMESPACES}`, name: `bench-${String(g).padStart(2, '0')}`, yaml: `${lines.join('\n')}\n` });
  }
  return groups;
}

/** Series all rules write per evaluation cycle. */
export function expectedRecordedSeries(): number {
  let n = 0;
  for (let m = 0; m < METRICS; m++) n += recordingRule(m).outputSeries;
  return n;
}
