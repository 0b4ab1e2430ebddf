/**
 * Decoding YAML the way Alertmanager does: `yaml.UnmarshalStrict` of gopkg.in/yaml.v2 into
 * Go structs. Unknown keys and wrong types are collected as yaml.v2's type errors
 * (`line N: field x not found in type config.plain`) and reported together as
 * `yaml: unmarshal errors:\n  line …`; an error from a custom `UnmarshalYAML` (a bad
 * duration, a missing receiver name) stops decoding at once and is reported bare, as
 * yaml.v2 does. Also here: the Go value parsers those custom unmarshalers use (Prometheus
 * and Go durations, URLs, `host:port`).
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type ParsedNode, type Scalar } from 'yaml';

/** A decode failure: its message is the text Alertmanager's `config.Load` returns. */
export class ConfigDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDecodeError';
  }
}

/** yaml.v2 (YAML 1.1) plain scalars that decode into a Go bool. */
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** A mapping decoded into a Go struct: its known keys with their nodes, and where it was. */
export interface StructFields {
  readonly fields: Map<string, Node | null>;
  readonly node: Node | null;
}

/**
 * Walks parsed YAML nodes into values, collecting yaml.v2's type errors. Methods return
 * `undefined` after recording an error, so callers keep going and every problem of a
 * document is reported at once (as yaml.v2 does).
 */
export class YamlDecoder {
  readonly errors: string[] = [];

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** The document's top node (null for an empty document). */
  root(): Node | null {
    return this.resolve(this.doc.contents);
  }

  /** The 1-based line of a node. */
  line(node: Node | null | undefined): number {
    const off = (node as ParsedNode | null | undefined)?.range?.[0] ?? 0;
    return this.lines.linePos(off).line;
  }

  /** Follows `*alias` to its anchor; null for a missing or null node. */
  resolve(raw: unknown): Node | null {
    if (raw === null || raw === undefined) return null;
    let node = raw as Node;
    if (isAlias(node)) node = (node.resolve(this.doc) as Node | undefined) ?? (null as unknown as Node);
    if (node === null) return null;
    if (isScalar(node) && node.value === null) return null;
    return node;
  }

  /** yaml.v2's short tag of a node (`!!str`, `!!int`, `!!map` …). */
  tag(node: Node): string {
    if (isMap(node)) return '!!map';
    if (isSeq(node)) return '!!seq';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return '!!null';
      if (typeof v === 'boolean' || (this.plain(node) && (YAML11_TRUE.has(String(node.source)) || YAML11_FALSE.has(String(node.source))))) return '!!bool';
      if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) && !/[.eE]|inf|nan/i.test(node.source ?? '') ? '!!int' : '!!float';
      return '!!str';
    }
    return '!!str';
  }

  private plain(node: Scalar): boolean {
    return node.type === 'PLAIN' || node.type === undefined;
  }

  /** Records yaml.v2's `cannot unmarshal !!tag `value` into T` (values over 10 characters shortened as yaml.v2 does). */
  typeError(node: Node, into: string): undefined {
    let shown = '';
    if (isScalar(node)) {
      const text = scalarText(node);
      shown = text.length > 10 ? ` \`${text.slice(0, 7)}...\`` : ` \`${text}\``;
    }
    this.errors.push(`line ${this.line(node)}: cannot unmarshal ${this.tag(node)}${shown} into ${into}`);
    return undefined;
  }

  /** Any scalar decodes into a Go string, as written; null is "". */
  string(raw: unknown): string | undefined {
    const node = this.resolve(raw);
    if (node === null) return '';
    if (!isScalar(node)) return this.typeError(node, 'string');
    return scalarText(node);
  }

  /** A Go bool: YAML 1.1 booleans only (a quoted "true" is a string, refused). */
  bool(raw: unknown): boolean | undefined {
    const node = this.resolve(raw);
    if (node === null) return false;
    if (isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      if (this.plain(node)) {
        const src = String(node.source ?? node.value);
        if (YAML11_TRUE.has(src)) return true;
        if (YAML11_FALSE.has(src)) return false;
      }
    }
    return this.typeError(node, 'bool');
  }

  /** A Go integer of type `into` (`int`, `uint64`); negatives refused for unsigned types. */
  int(raw: unknown, into: 'int' | 'uint64'): number | undefined {
    const node = this.resolve(raw);
    if (node === null) return 0;
    if (isScalar(node) && this.tag(node) === '!!int') {
      const n = Number(node.value);
      if (into === 'uint64' && n < 0) return this.typeError(node, into);
      return n;
    }
    return this.typeError(node, into);
  }

  /** A sequence of scalars into `[]string`. */
  stringList(raw: unknown): string[] | undefined {
    const node = this.resolve(raw);
    if (node === null) return [];
    if (!isSeq(node)) return this.typeError(node, '[]string');
    const out: string[] = [];
    for (const item of node.items) {
      const s = this.string(item);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** A mapping of scalars into `map[string]string`, in document order. */
  stringMap(raw: unknown): Map<string, string> | undefined {
    const node = this.resolve(raw);
    if (node === null) return new Map();
    if (!isMap(node)) return this.typeError(node, 'map[string]string');
    const out = new Map<string, string>();
    for (const pair of node.items) {
      const k = this.string(pair.key);
      const v = this.string(pair.value);
      if (k !== undefined && v !== undefined) out.set(k, v);
    }
    return out;
  }

  /** The items of a sequence decoded into a Go slice of `into`; null is empty. */
  seq(raw: unknown, into: string): (Node | null)[] | undefined {
    const node = this.resolve(raw);
    if (node === null) return [];
    if (!isSeq(node)) return this.typeError(node, into);
    return node.items.map((i) => this.resolve(i));
  }

  /**
   * A mapping decoded into a Go struct named `type` in errors. With `strict`, keys not in
   * `known` are yaml.v2's `field x not found in type T`; a key given twice is
   * `field x already set in type T`. Returns undefined when the node is not a mapping.
   */
  struct(raw: unknown, type: string, known: readonly string[], strict = true): StructFields | undefined {
    const node = this.resolve(raw);
    if (node === null) return { fields: new Map(), node: null };
    if (!isMap(node)) return this.typeError(node, type);
    const fields = new Map<string, Node | null>();
    for (const pair of node.items) {
      const key = this.string(pair.key);
      if (key === undefined) continue;
      if (!known.includes(key)) {
        if (strict) this.errors.push(`line ${this.line(pair.key as Node)}: field ${key} not found in type ${type}`);
        continue;
      }
      if (fields.has(key)) {
        this.errors.push(`line ${this.line(pair.key as Node)}: field ${key} already set in type ${type}`);
        continue;
      }
      fields.set(key, this.resolve(pair.value));
    }
    return { fields, node };
  }

  /** The number of errors so far, to tell whether a part decoded cleanly (its validation then runs). */
  get mark(): number {
    return this.errors.length;
  }

  /** Throws the collected type errors as yaml.v2 reports them, if any. */
  finish(): void {
    if (this.errors.length > 0) throw new ConfigDecodeError(`yaml: unmarshal errors:\n  ${this.errors.join('\n  ')}`);
  }
}

/** A scalar's text as Go decodes it into a string: quoted values as parsed, plain ones as written. */
export function scalarText(node: { value: unknown; source?: string }): string {
  if (typeof node.value === 'string') return node.value;
  if (node.value === null) return '';
  return node.source ?? String(node.value);
}

/**
 * Parses one YAML document for decoding; a syntax error is yaml.v2-style `yaml: line N: …`.
 * An empty document decodes as an empty mapping (yaml.v2 leaves the struct at its zero value).
 */
export function parseYaml(text: string): YamlDecoder {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, strict: false, version: '1.1' });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = lines.linePos(err.pos[0]).line;
    throw new ConfigDecodeError(`yaml: line ${line}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return new YamlDecoder(doc, lines);
}


// ---------------------------------------------------------------------------------------
// Go value parsers used by Alertmanager's custom unmarshalers. Each returns the value or
// throws a ConfigDecodeError with the upstream text (these errors are reported bare).

/** Units of Prometheus's `model.ParseDuration`, largest first, in ms. */
const PROM_UNITS: readonly (readonly [string, number])[] = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/**
 * Prometheus's `model.ParseDuration` (`model.Duration` fields: `group_wait`,
 * `resolve_timeout` …) in ms: integer-unit pairs from largest to smallest, `0` alone.
 */
export function parsePromDuration(s: string): number {
  if (s === '0') return 0;
  if (s === '') throw new ConfigDecodeError('empty duration string');
  const invalid = new ConfigDecodeError(`not a valid duration string: ${JSON.stringify(s)}`);
  let total = 0;
  let last = -1;
  let i = 0;
  while (i < s.length) {
    const digits = /^[0-9]+/.exec(s.slice(i));
    if (digits === null) throw invalid;
    i += digits[0].length;
    const unit = /^(ms|[ywdhms])/.exec(s.slice(i));
    if (unit === null) throw invalid;
    i += unit[0].length;
    const idx = PROM_UNITS.findIndex(([u]) => u === unit[0]);
    if (idx <= last) throw invalid;
    last = idx;
    total += Number(digits[0]) * PROM_UNITS[idx]![1];
  }
  return total;
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
