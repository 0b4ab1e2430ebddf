/**
 * bench/remote-write-decode: samples/s of the remote-write decode path — Snappy alone, the
 * protobufjs reference decoder, and the fast scanner with all series known (hash lookup +
 * byte comparison, no label strings) or all new (labels materialised) — on node-exporter
 * shaped payloads generated from a fixed seed.
 *
 * Run: `npx tsx bench/remote-write-decode.bench.ts` (env TIME_MS per case, default 1500).
 *
 * Shapes (each 1000 requests of 2000 samples, Prometheus's `max_samples_per_send` default):
 * - `prom-2000x1`: 100k series × 20 scrapes as Prometheus sends them. Its queue manager
 *   builds one `TimeSeries` per pending sample, so in steady state a request is 2000
 *   series with one sample each, full label set every time. The realistic worst case.
 * - `batch-100x20`: the same 100k series × 20 samples grouped 100 series × 20 samples per
 *   request, as a client that batches per series (backfill, catching up) would.
 * - `long-10x200`: 10k series × 200 samples, 10 series × 200 samples per request.
 */
import { mulberry32 as rng } from '../src/util/random.js';
import { Bench } from 'tinybench';
import { uncompress as snappyjsUncompress } from 'snappyjs';
import {
  decodeWriteRequestReference,
  encodeLabelBytes,
  snappyCompress,
  snappyDecompress,
  WriteRequestScanner,
  type Label,
} from '../src/ingest/remote-write/index.js';

const TIME_MS = Number(process.env.TIME_MS ?? 1500);
/** Mimir's default `max_recv_msg_size` (100 MiB): the limit the ingest path passes. */
const MAX_BYTES = 104_857_600;
/** Requests per shape: 2M samples, enough that the known-series map holds every series. */
const REQUESTS = 1000;
/** Uncompressed requests kept for the no-Snappy rows (memory: ~0.5 MB each for prom-2000x1). */
const RAW_REQUESTS = 100;
/** Prometheus's default scrape interval, ms. */
const SCRAPE_INTERVAL_MS = 15_000;
const T0 = 1_717_200_000_000;

// ---- seeded data -----------------------------------------------------------------------


/** node_exporter metric families and the extra labels each series of them carries. */
function nodeExporterSeries(instance: string, perInstance: number): Label[][] {
  const families: { name: string; dims: [string, string[]][] }[] = [
    { name: 'node_cpu_seconds_total', dims: [['cpu', ['0', '1', '2', '3', '4', '5', '6', '7']], ['mode', ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user']]] },
    { name: 'node_filesystem_avail_bytes', dims: [['device', ['/dev/nvme0n1p1', '/dev/nvme0n1p2', 'tmpfs', 'overlay']], ['fstype', ['ext4', 'tmpfs', 'overlay']], ['mountpoint', ['/', '/boot', '/run', '/var/lib/docker']]] },
    { name: 'node_network_receive_bytes_total', dims: [['device', ['eth0', 'eth1', 'lo', 'docker0', 'veth1a2b3c']]] },
    { name: 'node_network_transmit_packets_total', dims: [['device', ['eth0', 'eth1', 'lo', 'docker0', 'veth1a2b3c']]] },
    { name: 'node_disk_read_bytes_total', dims: [['device', ['nvme0n1', 'nvme1n1', 'sda', 'dm-0']]] },
    { name: 'node_disk_io_time_seconds_total', dims: [['device', ['nvme0n1', 'nvme1n1', 'sda', 'dm-0']]] },
    { name: 'go_gc_duration_seconds', dims: [['quantile', ['0', '0.25', '0.5', '0.75', '1']]] },
    { name: 'node_hwmon_temp_celsius', dims: [['chip', ['platform_coretemp_0', 'pci0000:00_0000:00:01_1']], ['sensor', ['temp1', 'temp2', 'temp3', 'temp4']]] },
    { name: 'node_softnet_processed_total', dims: [['cpu', ['0', '1', '2', '3', '4', '5', '6', '7']]] },
    { name: 'node_interrupts_total', dims: [['cpu', ['0', '1', '2', '3']], ['devices', ['nvme0q1', 'eth0-TxRx-0', 'i8042', 'acpi']], ['info', ['PCI-MSI', 'IO-APIC']], ['type', ['edge', 'fasteoi']]] },
  ];
  const single = ['node_memory_MemAvailable_bytes', 'node_memory_MemFree_bytes', 'node_memory_Cached_bytes', 'node_memory_Buffers_bytes', 'node_load1', 'node_load5', 'node_load15', 'node_context_switches_total', 'node_forks_total', 'node_boot_time_seconds', 'process_resident_memory_bytes', 'process_cpu_seconds_total', 'node_procs_running', 'node_entropy_available_bits', 'node_time_seconds'];
  const out: Label[][] = [];
  const common = (name: string, extra: Label[]): Label[] =>
    [{ name: '__name__', value: name }, { name: 'cluster', value: 'prod-eu-west-1' }, { name: 'instance', value: instance }, { name: 'job', value: 'node-exporter' }, ...extra].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of single) out.push(common(s, []));
  outer: for (let round = 0; ; round++) {
    for (const f of families) {
      // Enumerate the cartesian product of the family's dims, suffixing values on later rounds.
      let combos: Label[][] = [[]];
      for (const [dim, values] of f.dims) combos = combos.flatMap((c) => values.map((v) => [...c, { name: dim, value: round === 0 ? v : `${v}-${round}` }]));
      for (const c of combos) {
        out.push(common(f.name, c));
        if (out.length >= perInstance) break outer;
      }
    }
  }
  return out;
}

interface Series {
  readonly labelBytes: Uint8Array;
  readonly counter: boolean;
  base: number;
}

function makeSeries(total: number, perInstance: number, rand: () => number): Series[] {
  const out: Series[] = [];
  for (let i = 0; out.length < total; i++) {
    const instance = `10.${(i >> 8) & 255}.${i & 255}.${17 + (i % 200)}:9100`;
    for (const ls of nodeExporterSeries(instance, perInstance)) {
      if (out.length >= total) break;
      const name = ls.find((l) => l.name === '__name__')!.value;
      out.push({ labelBytes: encodeLabelBytes(ls), counter: name.endsWith('_total'), base: Math.round(rand() * 1e9) / 100 });
    }
  }
  return out;
}

/** A minimal WriteRequest writer (the bench must not spend minutes in protobufjs). */
class Writer {
  buf = new Uint8Array(1 << 20);
  view = new DataView(this.buf.buffer);
  n = 0;
  ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.n++] = v;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
  }
  /** Bytes of a Sample message: value tag + 8-byte double + timestamp tag + varint. */
  sampleBytes(t: number): number {
    return 1 + 8 + 1 + varintSize(t);
  }
  series(s: Series, samples: { t: number; v: number }[]): void {
    let inner = s.labelBytes.length;
    for (const x of samples) inner += 2 + this.sampleBytes(x.t);
    this.ensure(16 + inner);
    this.buf[this.n++] = 0x0a;
    this.varint(inner);
    this.bytes(s.labelBytes);
    for (const x of samples) {
      this.buf[this.n++] = 0x12;
      this.varint(this.sampleBytes(x.t));
      this.buf[this.n++] = 0x09;
      this.view.setFloat64(this.n, x.v, true);
      this.n += 8;
      this.buf[this.n++] = 0x10;
      this.varint(x.t);
    }
  }
  take(): Uint8Array {
    const out = this.buf.slice(0, this.n);
    this.n = 0;
    return out;
  }
}
function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function valueAt(s: Series, k: number, rand: () => number): number {
  if (s.counter) s.base += Math.round(rand() * 10_000) / 100;
  else s.base = Math.round(rand() * 1e6) / 100;
  return k >= 0 ? s.base : 0;
}

interface Shape {
  readonly name: string;
  readonly compressed: Uint8Array[];
  readonly raw: Uint8Array[];
  readonly samplesPerRequest: number;
  readonly seriesCount: number;
  readonly rawBytes: number;
}

function buildShape(name: string, seriesTotal: number, seriesPerRequest: number, samplesPerSeries: number, seed: number): Shape {
  const rand = rng(seed);
  const series = makeSeries(seriesTotal, 500, rand);
  const w = new Writer();
  const compressed: Uint8Array[] = [];
  const raw: Uint8Array[] = [];
  let rawBytes = 0;
  const emit = () => {
    const b = w.take();
    rawBytes += b.length;
    compressed.push(snappyCompress(b));
    if (raw.length < RAW_REQUESTS) raw.push(b);
  };
  if (samplesPerSeries === 1) {
    // Prometheus steady state: scrape round after scrape round, one TimeSeries per sample.
    const rounds = (REQUESTS * seriesPerRequest) / seriesTotal;
    let inRequest = 0;
    for (let k = 0; k < rounds; k++) {
      for (let i = 0; i < seriesTotal; i++) {
        const s = series[i]!;
        w.series(s, [{ t: T0 + k * SCRAPE_INTERVAL_MS + (i % 1000), v: valueAt(s, k, rand) }]);
        if (++inRequest === seriesPerRequest) {
          emit();
          inRequest = 0;
        }
      }
    }
  } else {
    for (let r = 0; r < REQUESTS; r++) {
      for (let j = 0; j < seriesPerRequest; j++) {
        const idx = (r * seriesPerRequest + j) % seriesTotal;
        const s = series[idx]!;
        const round = Math.floor((r * seriesPerRequest + j) / seriesTotal);
        const samples = Array.from({ length: samplesPerSeries }, (_, k) => ({ t: T0 + (round * samplesPerSeries + k) * SCRAPE_INTERVAL_MS, v: valueAt(s, k, rand) }));
        w.series(s, samples);
      }
      emit();
    }
  }
  return { name, compressed, raw, samplesPerRequest: seriesPerRequest * samplesPerSeries, seriesCount: seriesTotal, rawBytes };
}

// ---- the known-series registry a head would keep -----------------------------------------

/**
 * One known label set: its bytes live in the registry's arena at [start, end); `next`
 * chains label sets whose hashes collide. This is the layout recommended to the head: one
 * arena and one DataView, so confirming a hit allocates nothing and compares 4 bytes a step.
 */
interface Known {
  readonly start: number;
  readonly end: number;
  readonly ref: number;
  next: Known | undefined;
}

interface Registry {
  readonly map: Map<number, Known>;
  readonly view: DataView;
  readonly collisions: number;
}

function buildRegistry(shape: Shape): Registry {
  const map = new Map<number, Known>();
  let arena = new Uint8Array(1 << 20);
  let view = new DataView(arena.buffer);
  let used = 0;
  const scan = new WriteRequestScanner();
  let refs = 0;
  let collisions = 0;
  for (const c of shape.compressed) {
    scan.reset(snappyDecompress(c, MAX_BYTES));
    while (scan.next()) {
      const head = map.get(scan.labelsHash);
      let e = head;
      while (e !== undefined && !scan.labelsEqualView(view, e.start, e.end)) e = e.next;
      if (e !== undefined) continue;
      if (head !== undefined) collisions++;
      scan.labels(); // what a real head would validate and keep
      const n = scan.labelsEnd - scan.labelsStart;
      if (used + n > arena.length) {
        const bigger = new Uint8Array(arena.length * 2);
        bigger.set(arena);
        arena = bigger;
        view = new DataView(arena.buffer);
      }
      arena.set(scan.labelsBytes.subarray(scan.labelsStart, scan.labelsEnd), used);
      map.set(scan.labelsHash, { start: used, end: used + n, ref: refs++, next: head });
      used += n;
    }
  }
  if (refs !== shape.seriesCount) throw new Error(`BUG: registry has ${refs} series, expected ${shape.seriesCount}`);
  return { map, view, collisions };
}

// ---- cases ------------------------------------------------------------------------------

let sink = 0;

function scanKnown(scan: WriteRequestScanner, body: Uint8Array, reg: Registry): void {
  const { map, view } = reg;
  scan.reset(body);
  while (scan.next()) {
    let e = map.get(scan.labelsHash);
    while (e !== undefined && !scan.labelsEqualView(view, e.start, e.end)) e = e.next;
    if (e === undefined) throw new Error('BUG: series not known');
    const n = scan.sampleCount;
    const ts = scan.timestamps;
    const vs = scan.values;
    let acc = e.ref;
    for (let i = 0; i < n; i++) acc += ts[i]! + vs[i]!;
    sink += acc;
  }
}

function scanNew(scan: WriteRequestScanner, body: Uint8Array): void {
  scan.reset(body);
  while (scan.next()) {
    const labels = scan.labels();
    const bytes = scan.copyLabelBytes();
    const n = scan.sampleCount;
    const ts = scan.timestamps;
    const vs = scan.values;
    let acc = labels.length + bytes.length;
    for (let i = 0; i < n; i++) acc += ts[i]! + vs[i]!;
    sink += acc;
  }
}

interface Row {
  shape: string;
  case: string;
  'samples/s': string;
  'ns/sample': string;
  'MB/s (uncompressed)': string;
  'req/s': string;
  rme: string;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const shapes = [buildShape('prom-2000x1', 100_000, 2000, 1, 1), buildShape('batch-100x20', 100_000, 100, 20, 2), buildShape('long-10x200', 10_000, 10, 200, 3)];
  console.log(`generated ${shapes.length} shapes in ${((performance.now() - t0) / 1000).toFixed(1)} s (node ${process.version})`);
  const rows: Row[] = [];
  for (const shape of shapes) {
    const compressedBytes = shape.compressed.reduce((n, c) => n + c.length, 0);
    const labelsAvg = (() => {
      const s = new WriteRequestScanner();
      s.reset(shape.raw[0]!);
      let bytes = 0;
      let n = 0;
      while (s.next()) {
        bytes += s.labelsEnd - s.labelsStart;
        n++;
      }
      return bytes / n;
    })();
    const registry = buildRegistry(shape);
    const collisions = registry.collisions;
    console.log(
      `${shape.name}: ${shape.compressed.length} requests × ${shape.samplesPerRequest} samples, ${shape.seriesCount} series, ` +
        `${(shape.rawBytes / shape.compressed.length / 1024).toFixed(0)} KiB/request raw, snappy ratio ${(shape.rawBytes / compressedBytes).toFixed(2)}, ` +
        `label bytes/series ${labelsAvg.toFixed(0)}, hash collisions in registry ${collisions}`,
    );
    const scan = new WriteRequestScanner();
    let i = 0;
    const nextCompressed = () => shape.compressed[i++ % shape.compressed.length]!;
    let j = 0;
    const nextRaw = () => shape.raw[j++ % shape.raw.length]!;
    const bench = new Bench({ time: TIME_MS, warmupTime: 300 });
    bench
      .add('snappy (cairn)', () => {
        sink += snappyDecompress(nextCompressed(), MAX_BYTES).length;
      })
      .add('snappy (snappyjs)', () => {
        sink += snappyjsUncompress(nextCompressed()).length;
      })
      .add('snappy + reference (protobufjs)', () => {
        sink += decodeWriteRequestReference(snappyDecompress(nextCompressed(), MAX_BYTES)).timeseries.length;
      })
      .add('snappy + scan, all series known', () => {
        scanKnown(scan, snappyDecompress(nextCompressed(), MAX_BYTES), registry);
      })
      .add('snappy + scan, all series new (materialise)', () => {
        scanNew(scan, snappyDecompress(nextCompressed(), MAX_BYTES));
      })
      .add('scan only, all series known (no snappy)', () => {
        scanKnown(scan, nextRaw(), registry);
      })
      .add('reference only (no snappy)', () => {
        sink += decodeWriteRequestReference(nextRaw()).timeseries.length;
      });
    await bench.run();
    const bytesPerRequest = shape.rawBytes / shape.compressed.length;
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
      const reqPerS = r.throughput.mean;
      const samplesPerS = reqPerS * shape.samplesPerRequest;
      rows.push({
        shape: shape.name,
        case: task.name,
        'samples/s': `${(samplesPerS / 1e6).toFixed(2)} M`,
        'ns/sample': (1e9 / samplesPerS).toFixed(0),
        'MB/s (uncompressed)': ((reqPerS * bytesPerRequest) / 1e6).toFixed(0),
        'req/s': reqPerS.toFixed(0),
        rme: `±${r.latency.rme.toFixed(1)}%`,
      });
    }
  }
  console.table(rows);
  if (sink === 42) console.log('');
}

await main();
