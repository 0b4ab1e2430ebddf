/**
 * A seeded, realistic log corpus for the log store's benchmarks: what a Kubernetes cluster
 * ships to Loki through Promtail or Alloy. Streams are (cluster, namespace, app, pod,
 * container[, level]) with the label names those agents attach; each app writes one of
 * six formats:
 *
 * - `nginx`: ingress-nginx's default access-log format (combined, then request length and
 *   time, upstream name, address, length, time and status, and the 32-hex request id);
 * - `apache`: the combined access-log format (client IP, ident, user, time, request line,
 *   status, bytes, referer, user agent);
 * - `json`: structured app logs as zap or pino write them, with trace and request ids;
 * - `logfmt`: Go services in Grafana's house style (`level=… ts=… caller=… msg="…"`);
 * - `java`: Spring Boot console lines, with multi-line stack traces on errors (an entry
 *   holds the whole trace, as a multiline stage makes it);
 * - `node`: plain-text Node.js lines with multi-line `Error` stacks.
 *
 * Vocabularies (paths, user agents, client IPs, messages) are drawn with a Zipf-like skew
 * and ids are random hex or numbers, so the repetition a compressor sees is close to real
 * traffic: ratios on this corpus fall in the range published for real nginx and app logs
 * (gzip ~8–12×). Stream volumes are skewed too (a few chatty ingress streams, many quiet
 * pods). Everything comes from one mulberry32 seed, so a corpus is the same in every run.
 */
import { mulberry32 } from '../../util/random.js';


export type LogFormat = 'nginx' | 'apache' | 'json' | 'logfmt' | 'java' | 'node';

export interface CorpusOptions {
  readonly seed: number;
  /** Number of streams (distinct label sets). */
  readonly streams: number;
  /** Total entries over all streams. */
  readonly lines: number;
  /** Time of the first entry, ms since the epoch; default 2023-11-14T22:13:20Z. */
  readonly startMs?: number;
  /** Entries spread over this long, ms; default one hour. */
  readonly durationMs?: number;
}

export interface CorpusEntry {
  /** Nanoseconds since the epoch, as Loki's push API carries them. */
  readonly tsNs: string;
  readonly line: string;
}

export interface CorpusStream {
  /** Stream labels as a push body carries them (a JSON map). */
  readonly labels: Record<string, string>;
  /** The app's log format (not a label). */
  readonly format: LogFormat;
  /** Entries in time order (a timestamp may repeat). */
  readonly entries: CorpusEntry[];
}

export interface Corpus {
  readonly streams: CorpusStream[];
  /** UTF-8 bytes of all lines. */
  readonly rawBytes: number;
  /** Entries over all streams. */
  readonly lines: number;
}

type Rand = () => number;

/** An index in [0, n) skewed towards 0 (a Zipf-like draw with exponent ~1). */
function zipf(r: Rand, n: number): number {
  // Inverse of a continuous 1/x density over [1, n + 1): cheap and close enough.
  return Math.min(n - 1, Math.floor(Math.exp(r() * Math.log(n + 1)) - 1));
}

function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function pickZipf<T>(r: Rand, xs: readonly T[]): T {
  return xs[zipf(r, xs.length)]!;
}

const HEX = '0123456789abcdef';
const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';

function hex(r: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[Math.floor(r() * 16)]!;
  return s;
}

function alnum(r: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(r() * ALNUM.length)]!;
  return s;
}

function int(r: Rand, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** A log-normal-ish positive number around `median`. */
function skewed(r: Rand, median: number): number {
  const u = r() + r() + r() - 1.5; // roughly normal, σ ≈ 0.5
  return median * Math.exp(u * 1.6);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
const p3 = (n: number) => (n < 10 ? '00' + n : n < 100 ? '0' + n : String(n));

/** `14/Nov/2023:22:13:20 +0000`, the access-log time. */
function clf(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** `2023-11-14T22:13:20.123456Z` with the given fraction digits. */
function iso(ms: number, ns: number, digits: 3 | 6 | 9): string {
  const s = new Date(ms).toISOString(); // ...:20.123Z
  if (digits === 3) return s;
  const sub = String(ns).padStart(6, '0');
  return s.slice(0, -1) + sub.slice(0, digits - 3) + 'Z';
}

/** `2023-11-14 22:13:20.123`, Spring Boot's console time. */
function springTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${p3(d.getUTCMilliseconds())}`;
}

// ---------------------------------------------------------------------------------------
// Vocabularies.

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'kube-probe/1.28',
  'Prometheus/2.47.2',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'okhttp/4.12.0',
  'Go-http-client/1.1',
  'curl/8.4.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.6045.163 Mobile Safari/537.36',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.31.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 Edg/119.0.2151.72',
  'axios/1.6.2',
  'Apache-HttpClient/4.5.14 (Java/17.0.9)',
];

const REFERERS = ['-', '-', '-', 'https://shop.example.com/', 'https://shop.example.com/cart', 'https://www.google.com/', 'https://shop.example.com/products?category=shoes', 'https://m.example.com/'];

const API_ROUTES: readonly ((r: Rand) => string)[] = [
  () => '/healthz',
  () => '/metrics',
  (r) => `/api/v1/products/${int(r, 1000, 99999)}`,
  (r) => `/api/v1/products?category=${pick(r, ['shoes', 'shirts', 'bags', 'hats', 'outdoor', 'kids'])}&page=${int(r, 1, 20)}`,
  (r) => `/api/v1/users/${int(r, 1, 500000)}/orders`,
  (r) => `/api/v1/cart/${hex(r, 12)}`,
  () => '/api/v1/checkout',
  (r) => `/api/v1/orders/${int(r, 10000000, 99999999)}`,
  (r) => `/static/js/main.${hex(r, 8)}.chunk.js`,
  (r) => `/static/css/app.${pick(r, ['3f2a91c0', '9b8e7d6c', 'a1b2c3d4'])}.css`,
  (r) => `/images/products/${int(r, 1000, 99999)}_${pick(r, ['thumb', 'large', 'zoom'])}.webp`,
  () => '/api/v1/session',
  (r) => `/api/v2/search?q=${pick(r, ['running+shoes', 'rain+jacket', 'backpack', 'socks', 'gift+card', 'sale'])}&limit=24`,
  () => '/favicon.ico',
  () => '/api/v1/recommendations',
];

const APACHE_ROUTES: readonly ((r: Rand) => string)[] = [
  () => '/index.php',
  (r) => `/wp-content/uploads/2023/${p2(int(r, 1, 11))}/image-${int(r, 100, 9999)}.jpg`,
  (r) => `/blog/${pick(r, ['how-to-choose-running-shoes', 'winter-collection-2023', 'care-guide-leather', 'size-charts', 'shipping-faq'])}/`,
  () => '/wp-login.php',
  () => '/wp-admin/admin-ajax.php',
  (r) => `/wp-includes/js/jquery/jquery.min.js?ver=3.7.${int(r, 0, 1)}`,
  () => '/feed/',
  () => '/robots.txt',
  (r) => `/?p=${int(r, 1, 5000)}`,
];

const METHODS = ['GET', 'GET', 'GET', 'GET', 'GET', 'POST', 'GET', 'PUT', 'GET', 'DELETE'];
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 200, 304, 200, 201, 200, 404, 301, 200, 499, 500, 502, 401, 403];

/** A client-IP pool per app (a few hundred clients, mostly internal ones). */
function ipPool(r: Rand, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(r() < 0.6 ? `10.${int(r, 0, 3)}.${int(r, 0, 255)}.${int(r, 1, 254)}` : `${int(r, 1, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`);
  }
  return out;
}

interface AppSpec {
  readonly app: string;
  readonly namespace: string;
  readonly format: LogFormat;
  /** Streams of this app carry a `level` label (one stream per level per pod). */
  readonly levelLabel: boolean;
  /** Relative volume of one of its streams. */
  readonly weight: number;
  /** Timestamp precision the agent records: ns (Promtail's scrape time) or the line's own ms. */
  readonly precision: 'ns' | 'us' | 'ms';
}

const APPS: readonly AppSpec[] = [
  { app: 'ingress-nginx-controller', namespace: 'ingress-nginx', format: 'nginx', levelLabel: false, weight: 12, precision: 'ns' },
  { app: 'checkout', namespace: 'shop', format: 'json', levelLabel: true, weight: 4, precision: 'us' },
  { app: 'cart', namespace: 'shop', format: 'json', levelLabel: true, weight: 3, precision: 'us' },
  { app: 'catalog', namespace: 'shop', format: 'java', levelLabel: false, weight: 3, precision: 'ms' },
  { app: 'payments', namespace: 'shop', format: 'java', levelLabel: false, weight: 2, precision: 'ms' },
  { app: 'loki-distributor', namespace: 'observability', format: 'logfmt', levelLabel: false, weight: 3, precision: 'ns' },
  { app: 'mimir-ingester', namespace: 'observability', format: 'logfmt', levelLabel: false, weight: 2, precision: 'ns' },
  { app: 'blog', namespace: 'web', format: 'apache', levelLabel: false, weight: 3, precision: 'ns' },
  { app: 'notifications', namespace: 'shop', format: 'node', levelLabel: false, weight: 2, precision: 'ms' },
  { app: 'search-api', namespace: 'shop', format: 'node', levelLabel: false, weight: 2, precision: 'ms' },
  { app: 'user-service', namespace: 'identity', format: 'json', levelLabel: true, weight: 2, precision: 'us' },
  { app: 'coredns', namespace: 'kube-system', format: 'logfmt', levelLabel: false, weight: 1, precision: 'ns' },
];

const LEVEL_SHARE: readonly [string, number][] = [
  ['info', 0.8],
  ['warn', 0.12],
  ['error', 0.05],
  ['debug', 0.03],
];

const CLUSTERS = ['prod-eu-west-1', 'prod-us-east-1'];

// ---------------------------------------------------------------------------------------
// Line writers: one per format, each with its per-stream state.

type LineWriter = (ms: number, ns: number) => string;

function nginxWriter(r: Rand): LineWriter {
  const ips = ipPool(r, 400);
  const upstream = `${int(r, 10, 10)}.${int(r, 1, 3)}.${int(r, 0, 255)}`;
  return (ms) => {
    const route = pickZipf(r, API_ROUTES)(r);
    const status = pickZipf(r, STATUSES);
    const bytes = status === 304 ? 0 : Math.round(skewed(r, route.startsWith('/static') ? 48_000 : 900));
    const rt = skewed(r, 0.012);
    return (
      `${pickZipf(r, ips)} - - [${clf(ms)}] "${pick(r, METHODS)} ${route} HTTP/1.1" ${status} ${bytes} ` +
      `"${pickZipf(r, REFERERS)}" "${pickZipf(r, USER_AGENTS)}" ${int(r, 200, 1400)} ${rt.toFixed(3)} ` +
      `[shop-frontend-80] [] ${upstream}.${int(r, 2, 40)}:8080 ${bytes} ${(rt * 0.95).toFixed(3)} ${status} ${hex(r, 32)}`
    );
  };
}

function apacheWriter(r: Rand): LineWriter {
  const ips = ipPool(r, 600);
  return (ms) => {
    const status = pickZipf(r, STATUSES);
    const bytes = status === 304 ? '-' : String(Math.round(skewed(r, 12_000)));
    const user = r() < 0.02 ? 'admin' : '-';
    return `${pickZipf(r, ips)} - ${user} [${clf(ms)}] "${pick(r, ['GET', 'GET', 'GET', 'POST'])} ${pickZipf(r, APACHE_ROUTES)(r)} HTTP/1.1" ${status} ${bytes} "${pickZipf(r, REFERERS)}" "${pickZipf(r, USER_AGENTS)}"`;
  };
}

/** [level, message, caller (a message comes from one source line), fields]. */
const JSON_MESSAGES: readonly [string, string, string, (r: Rand) => string][] = [
  ['info', 'request completed', 'server/handler.go:142', (r) => `"method":"${pick(r, METHODS)}","path":"${pickZipf(r, API_ROUTES)(r).split('?')[0]}","status":${pickZipf(r, STATUSES)},"duration_ms":${skewed(r, 14).toFixed(3)},"bytes":${Math.round(skewed(r, 900))}`],
  ['info', 'cart updated', 'cart/service.go:88', (r) => `"cart_id":"${hex(r, 12)}","items":${int(r, 1, 9)},"total_cents":${int(r, 500, 90000)},"currency":"${pick(r, ['EUR', 'USD', 'GBP'])}"`],
  ['info', 'order placed', 'checkout/flow.go:211', (r) => `"order_id":"ord_${alnum(r, 14)}","items":${int(r, 1, 6)},"total_cents":${int(r, 999, 120000)},"payment_method":"${pick(r, ['card', 'paypal', 'klarna'])}"`],
  ['debug', 'cache lookup', 'store/redis.go:57', (r) => `"cache":"redis","key":"product:${int(r, 1000, 99999)}","hit":${r() < 0.8},"duration_ms":${skewed(r, 0.4).toFixed(3)}`],
  ['warn', 'slow query', 'store/postgres.go:164', (r) => `"db":"postgres","query":"SELECT * FROM ${pick(r, ['orders', 'carts', 'users', 'inventory'])} WHERE id = $1","duration_ms":${skewed(r, 900).toFixed(1)},"rows":${int(r, 0, 2000)}`],
  ['warn', 'retrying request', 'client/retry.go:73', (r) => `"upstream":"${pick(r, ['payments', 'inventory', 'shipping'])}","attempt":${int(r, 1, 3)},"backoff_ms":${pick(r, [100, 200, 400, 800])},"error":"context deadline exceeded"`],
  ['error', 'payment declined', 'checkout/flow.go:248', (r) => `"order_id":"ord_${alnum(r, 14)}","reason":"${pick(r, ['insufficient_funds', 'card_expired', 'do_not_honor', 'fraud_suspected'])}","provider":"stripe"`],
  ['error', 'upstream unavailable', 'client/retry.go:91', (r) => `"upstream":"${pick(r, ['payments', 'inventory', 'shipping'])}","error":"dial tcp 10.${int(r, 0, 3)}.${int(r, 0, 255)}.${int(r, 1, 254)}:8080: connect: connection refused"`],
];

function jsonWriter(r: Rand, app: string, level: string | undefined): LineWriter {
  const msgs = level === undefined ? JSON_MESSAGES : JSON_MESSAGES.filter((m) => m[0] === level);
  const pool = msgs.length > 0 ? msgs : JSON_MESSAGES;
  return (ms, ns) => {
    const [lvl, msg, caller, fields] = pickZipf(r, pool);
    return `{"level":"${level ?? lvl}","ts":"${iso(ms, ns, 6)}","caller":"${caller}","msg":"${msg}","service":"${app}",${fields(r)},"trace_id":"${hex(r, 32)}","span_id":"${hex(r, 16)}","user_id":"u_${int(r, 1, 500000)}"}`;
  };
}

const LOGFMT_MESSAGES: readonly [string, (r: Rand) => string][] = [
  ['info', (r) => `caller=push.go:148 component=distributor msg="received push request" tenant=tenant-${int(r, 1, 40)} streams=${int(r, 1, 300)} entries=${int(r, 1, 5000)} bytes=${Math.round(skewed(r, 40000))} duration=${skewed(r, 3).toFixed(3)}ms`],
  ['info', (r) => `caller=flush.go:375 component=ingester msg="flushing stream" tenant=tenant-${int(r, 1, 40)} fp=${hex(r, 16)} immediate=false num_chunks=${int(r, 1, 6)} total_comp=${(skewed(r, 180)).toFixed(0)}kB avg_comp=${(skewed(r, 60)).toFixed(0)}kB`],
  ['info', () => `caller=table_manager.go:254 index-store=tsdb-2023-11-14 msg="uploading tables"`],
  ['debug', (r) => `caller=grpc_logging.go:64 method=/logproto.Pusher/Push duration=${skewed(r, 2).toFixed(6)}ms msg="gRPC (success)"`],
  ['warn', (r) => `caller=grpc_logging.go:60 method=/logproto.Querier/Query duration=${skewed(r, 1800).toFixed(3)}ms err="rpc error: code = Canceled desc = context canceled" msg=gRPC`],
  ['error', (r) => `caller=client.go:427 component=ring-client msg="failed to push to ingester" addr=10.${int(r, 0, 3)}.${int(r, 0, 255)}.${int(r, 1, 254)}:9095 err="rpc error: code = Unavailable desc = connection error"`],
];

function logfmtWriter(r: Rand): LineWriter {
  return (ms, ns) => {
    const [lvl, rest] = pickZipf(r, LOGFMT_MESSAGES);
    return `level=${lvl} ts=${iso(ms, ns, 9)} ${rest(r)}`;
  };
}

const JAVA_CLASSES = ['c.e.shop.web.ProductController', 'c.e.shop.service.InventoryService', 'o.s.web.servlet.DispatcherServlet', 'c.e.shop.repo.ProductRepository', 'o.h.engine.jdbc.spi.SqlExceptionHelper', 'c.e.shop.payment.StripeGateway', 'c.z.hikari.pool.HikariPool'];
const JAVA_FRAMES = [
  'com.example.shop.service.InventoryService.reserve(InventoryService.java:{n})',
  'com.example.shop.web.ProductController.get(ProductController.java:{n})',
  'com.example.shop.payment.StripeGateway.charge(StripeGateway.java:{n})',
  'jdk.internal.reflect.GeneratedMethodAccessor{n}.invoke(Unknown Source)',
  'java.base/java.lang.reflect.Method.invoke(Method.java:568)',
  'org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:205)',
  'org.springframework.web.method.support.InvocableHandlerMethod.invokeForRequest(InvocableHandlerMethod.java:150)',
  'org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod.invokeAndHandle(ServletInvocableHandlerMethod.java:118)',
  'org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter.invokeHandlerMethod(RequestMappingHandlerAdapter.java:884)',
  'org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1081)',
  'org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1011)',
  'jakarta.servlet.http.HttpServlet.service(HttpServlet.java:564)',
  'org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:205)',
  'org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:149)',
  'org.springframework.web.filter.OncePerRequestFilter.doFilter(OncePerRequestFilter.java:116)',
  'org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:166)',
  'org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:391)',
  'org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1744)',
  'java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)',
  'java.base/java.lang.Thread.run(Thread.java:840)',
];
const JAVA_EXCEPTIONS = [
  'java.lang.NullPointerException: Cannot invoke "com.example.shop.model.Sku.getStock()" because "sku" is null',
  'org.springframework.dao.DataAccessResourceFailureException: unable to obtain isolated JDBC connection; nested exception is java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.',
  'java.net.SocketTimeoutException: Read timed out',
  'com.example.shop.payment.PaymentException: card declined: do_not_honor',
];

function javaWriter(r: Rand): LineWriter {
  const pid = int(r, 1, 1);
  return (ms) => {
    const thread = `nio-8080-exec-${int(r, 1, 10)}`;
    const roll = r();
    const level = roll < 0.03 ? 'ERROR' : roll < 0.1 ? 'WARN' : roll < 0.2 ? 'DEBUG' : 'INFO';
    const cls = pickZipf(r, JAVA_CLASSES).padEnd(40).slice(0, 40);
    const head = `${springTime(ms)} ${level.padStart(5)} ${pid} --- [${thread.padStart(15)}] ${cls} : `;
    switch (level) {
      case 'ERROR': {
        let s = head + `Servlet.service() for servlet [dispatcherServlet] threw exception [Request processing failed] with root cause\n${pick(r, JAVA_EXCEPTIONS)}`;
        const depth = int(r, 8, JAVA_FRAMES.length);
        for (let i = 0; i < depth; i++) s += '\n\tat ' + JAVA_FRAMES[i]!.replace('{n}', String(37 + i * 13));
        if (r() < 0.3) s += `\n\t... ${int(r, 10, 60)} common frames omitted`;
        return s;
      }
      case 'WARN':
        return head + `HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=${int(r, 1, 59)}s${int(r, 100, 999)}ms).`;
      case 'DEBUG':
        return head + `select p1_0.id,p1_0.name,p1_0.price,p1_0.sku from product p1_0 where p1_0.id=${int(r, 1000, 99999)}`;
      default:
        return head + pick(r, [`Fetched product ${int(r, 1000, 99999)} in ${int(r, 1, 80)} ms`, `Reserved ${int(r, 1, 5)} units of sku ${alnum(r, 8).toUpperCase()} for order ${int(r, 10000000, 99999999)}`, `Completed initialization in ${int(r, 1, 3)} ms`, `Cache miss for category ${pick(r, ['shoes', 'shirts', 'bags'])}, loading from database`]);
    }
  };
}

function nodeWriter(r: Rand, app: string): LineWriter {
  const pid = int(r, 18, 40);
  return (ms) => {
    const roll = r();
    const t = new Date(ms).toISOString();
    if (roll < 0.03) {
      const ip = `10.${int(r, 0, 3)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
      return (
        `[${t}] ERROR (${app}/${pid}): unhandled error in job ${pick(r, ['send-email', 'push-notification', 'reindex'])}\n` +
        `Error: connect ECONNREFUSED ${ip}:${pick(r, [5432, 6379, 9200])}\n` +
        `    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n` +
        `    at Socket.emit (node:events:517:28)\n` +
        `    at /app/node_modules/pg-pool/index.js:45:11\n` +
        `    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n` +
        `    at async Queue.process (/app/dist/jobs/queue.js:${int(r, 40, 120)}:21)`
      );
    }
    if (roll < 0.1) return `[${t}] WARN (${app}/${pid}): rate limited by provider, retrying in ${pick(r, [1, 2, 5, 10])}s (attempt ${int(r, 1, 4)})`;
    return `[${t}] INFO (${app}/${pid}): ${pick(r, [`sent ${pick(r, ['order-confirmation', 'shipping-update', 'password-reset'])} email to user ${int(r, 1, 500000)} in ${int(r, 20, 900)}ms`, `search "${pick(r, ['running shoes', 'rain jacket', 'backpack', 'socks'])}" returned ${int(r, 0, 400)} hits in ${int(r, 2, 90)}ms`, `job ${hex(r, 24)} completed`, `GET /health 200 ${int(r, 0, 3)}ms`])}`;
  };
}

// ---------------------------------------------------------------------------------------

/**
 * Generates a corpus of `streams` streams and `lines` entries over `durationMs`. Stream i
 * gets a share of the lines proportional to its app's weight, its level (when labelled)
 * and a per-pod skew; every stream gets at least one entry. Timestamps are increasing per
 * stream with the app's precision (bursts share a millisecond when `precision` is ms).
 */
export function generateCorpus(opts: CorpusOptions): Corpus {
  const r = mulberry32(opts.seed);
  const startMs = opts.startMs ?? 1_700_000_000_000;
  const durationMs = opts.durationMs ?? 3_600_000;

  // Stream identities: apps round-robin, a new pod (or level set) each round.
  interface Spec {
    labels: Record<string, string>;
    app: AppSpec;
    level: string | undefined;
    weight: number;
  }
  const specs: Spec[] = [];
  for (let round = 0; specs.length < opts.streams; round++) {
    for (const app of APPS) {
      if (specs.length >= opts.streams) break;
      const cluster = CLUSTERS[round % CLUSTERS.length]!;
      const pod = `${app.app}-${alnum(r, 10)}-${alnum(r, 5)}`;
      const podSkew = 0.3 + r() * 1.4;
      const base = { cluster, namespace: app.namespace, job: `${app.namespace}/${app.app}`, app: app.app, pod, container: app.app, stream: app.format === 'nginx' || app.format === 'apache' ? 'stdout' : pick(r, ['stdout', 'stdout', 'stderr']) };
      if (!app.levelLabel) {
        specs.push({ labels: base, app, level: undefined, weight: app.weight * podSkew });
        continue;
      }
      for (const [level, share] of LEVEL_SHARE) {
        if (specs.length >= opts.streams) break;
        specs.push({ labels: { ...base, level }, app, level, weight: app.weight * podSkew * share });
      }
    }
  }
  const totalWeight = specs.reduce((a, s) => a + s.weight, 0);

  const streams: CorpusStream[] = [];
  let rawBytes = 0;
  let lines = 0;
  for (const spec of specs) {
    const n = Math.max(1, Math.round((opts.lines * spec.weight) / totalWeight));
    const writer = makeWriter(r, spec.app, spec.level);
    const entries: CorpusEntry[] = new Array(n);
    // Exponential gaps with mean duration / n, in ns, so the stream spans the window.
    const meanGapNs = (durationMs * 1e6) / n;
    let tNsTotal = Math.floor(r() * meanGapNs); // ns since startMs
    for (let i = 0; i < n; i++) {
      // The last entries may overshoot the window by a few gaps: times stay increasing.
      const ms = startMs + Math.floor(tNsTotal / 1e6);
      let ns = Math.floor(tNsTotal % 1e6);
      if (spec.app.precision === 'ms') ns = 0;
      else if (spec.app.precision === 'us') ns -= ns % 1000;
      const line = writer(ms, ns);
      entries[i] = { tsNs: ms === 0 ? String(ns) : String(ms) + String(ns).padStart(6, '0'), line };
      rawBytes += Buffer.byteLength(line);
      tNsTotal += -Math.log(1 - r()) * meanGapNs;
    }
    lines += n;
    streams.push({ labels: spec.labels, format: spec.app.format, entries });
  }
  return { streams, rawBytes, lines };
}

function makeWriter(r: Rand, app: AppSpec, level: string | undefined): LineWriter {
  switch (app.format) {
    case 'nginx':
      return nginxWriter(r);
    case 'apache':
      return apacheWriter(r);
    case 'json':
      return jsonWriter(r, app.app, level);
    case 'logfmt':
      return logfmtWriter(r);
    case 'java':
      return javaWriter(r);
    case 'node':
      return nodeWriter(r, app.app);
  }
}

export { mulberry32 };
