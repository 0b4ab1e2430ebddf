/**
 * Decoding YAML the way Alertmanager does: `yaml.UnmarshalStrict` of gopkg.in/yaml.v2 into
 * Go structs. Unknown keys and wrong types are collected as yaml.v2's type errors
 * (`line N: field x not found in type config.plain`) and reported together as
 * `yaml: unmarshal errors:\n  line …`; an error from a custom `UnmarshalYAML` (a bad
 * duration, a missing receiver name) stops decoding at once and is reported bare, as
 * yaml.v2 does. Also here: the Go value parsers those custom unmarshalers use (Prometheus
 * and Go durations, URLs, `host:port`).
 */
import { parsePromDurationMs } from '../util/duration.js';
import { ConfigDecodeError, parseYaml as parseStrictYaml, type StrictYamlDecoder } from '../config/yaml-strict.js';

// The strict decoder is shared with the ruler (src/config/yaml-strict.ts); Alertmanager
// reads with its defaults, yaml.v2's: YAML 1.1 booleans, values over 10 characters
// shortened in type errors, a repeated key as `field x already set in type T`.
export { ConfigDecodeError } from '../config/yaml-strict.js';

/** The strict decoder with yaml.v2's behaviour, under the name Alertmanager's config code uses. */
export type YamlDecoder = StrictYamlDecoder;

/**
 * Parses one YAML document for decoding; a syntax error is yaml.v2-style `yaml: line N: …`.
 * An empty document decodes as an empty mapping (yaml.v2 leaves the struct at its zero value).
 */
export function parseYaml(text: string): YamlDecoder {
  return parseStrictYaml(text);
}

// ---------------------------------------------------------------------------------------
// Go value parsers used by Alertmanager's custom unmarshalers. Each returns the value or
// throws a ConfigDecodeError with the upstream text (these errors are reported bare).

/**
 * Prometheus's `model.ParseDuration` (`model.Duration` fields: `group_wait`,
 * `resolve_timeout` …) in ms: integer-unit pairs from largest to smallest, `0` alone.
 * The parsing is src/util/duration.ts's; Alertmanager's version words every malformed
 * text, an unknown unit included, as `not a valid duration string`.
 */
export function parsePromDuration(s: string): number {
  const r = parsePromDurationMs(s);
  if (typeof r === 'number') return r;
  if (r.reason === 'empty') throw new ConfigDecodeError('empty duration string');
  throw new ConfigDecodeError(`not a valid duration string: ${JSON.stringify(s)}`);
}

/** Units of Go's `time.ParseDuration`, in ms. */
const GO_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Go's `time.ParseDuration` in ms, or undefined when Go refuses the text (yaml.v2 then
 * reports a type error into `time.Duration`): `300ms`, `1.5h`, `2h45m`, signed, no days.
 */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (m === null || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * GO_UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/**
 * Alertmanager's `parseURL`: Go's `url.Parse`, then only http(s) with a host
 * (`unsupported scheme "ftp" for URL`, `missing host for URL`).
 */
export function parseHttpUrl(s: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (scheme === null) {
    if (s.startsWith(':')) throw new ConfigDecodeError(`parse ${JSON.stringify(s)}: missing protocol scheme`);
    throw new ConfigDecodeError(`unsupported scheme "" for URL`);
  }
  const sch = scheme[1]!.toLowerCase();
  if (sch !== 'http' && sch !== 'https') throw new ConfigDecodeError(`unsupported scheme ${JSON.stringify(sch)} for URL`);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    const afterScheme = s.slice(scheme[0].length);
    if (!afterScheme.startsWith('//') || /^\/\/[/?#]?$/.test(afterScheme) || /^\/\/[/?#]/.test(afterScheme)) throw new ConfigDecodeError('missing host for URL');
    throw new ConfigDecodeError(`parse ${JSON.stringify(s)}: invalid URL`);
  }
  if (url.host === '') throw new ConfigDecodeError('missing host for URL');
  return s;
}

/**
 * Alertmanager's `HostPort` (`smarthost`, `smtp_smarthost`): Go's `net.SplitHostPort`,
 * refusing an empty port; '' stays unset.
 */
export function parseHostPort(s: string): string {
  if (s === '') return '';
  let host: string;
  let port: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new ConfigDecodeError(`address ${s}: missing ']' in address`);
    if (s[end + 1] !== ':') throw new ConfigDecodeError(`address ${s}: missing port in address`);
    host = s.slice(1, end);
    port = s.slice(end + 2);
  } else {
    const i = s.lastIndexOf(':');
    if (i < 0) throw new ConfigDecodeError(`address ${s}: missing port in address`);
    host = s.slice(0, i);
    port = s.slice(i + 1);
    if (host.includes(':')) throw new ConfigDecodeError(`address ${s}: too many colons in address`);
  }
  if (port === '') throw new ConfigDecodeError(`address ${JSON.stringify(s)}: port cannot be empty`);
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
