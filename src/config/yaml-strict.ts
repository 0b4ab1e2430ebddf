/**
 * Strict YAML decoding the way Go's yaml packages do it when Prometheus, Mimir and
 * Alertmanager unmarshal into structs with unknown fields refused (`UnmarshalStrict` of
 * yaml.v2, `KnownFields(true)` of yaml.v3): a walk over parsed nodes that collects the
 * type errors (`line N: field x not found in type T`, `line N: cannot unmarshal !!seq into
 * string`) so every problem of a document is reported at once, and syntax errors as
 * `yaml: line N: …`.
 *
 * One decoder serves the ruler (rule groups, yaml.v3) and Alertmanager (its config,
 * yaml.v2). Where their texts differ today, `StrictYamlOptions` keeps each caller's.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, type Document, type Node, type ParsedNode, type Scalar } from 'yaml';

/** A decode failure whose message is the Go text (`yaml: line 3: …`, `yaml: unmarshal errors:\n  …`, or a custom unmarshaler's error). */
export class ConfigDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDecodeError';
  }
}

/** How a caller's Go decoder differs; see `defaultStrictYamlOptions`. */
export interface StrictYamlOptions {
  /**
   * YAML 1.1 scalars (yaml.v2): plain `yes`/`no`/`on`/`off` are booleans. Off, they are
   * strings (the ruler's YAML 1.2 reading).
   */
  readonly yaml11: boolean;
  /**
   * Shorten a scalar over 10 characters to its first 7 plus `...` in `cannot unmarshal`
   * texts, as Go's decoders print it. The ruler prints the whole value, and its tests and
   * Mimir-compatible API answers pin that text, so it stays off there.
   */
  readonly shortenValues: boolean;
  /**
   * Refuse a mapping key given twice while parsing (`yaml: line N: Map keys must be
   * unique`), as the ruler does. Off, the decoder reports yaml.v2's
   * `field x already set in type T` instead (Alertmanager).
   */
  readonly uniqueKeys: boolean;
}

/** Alertmanager's yaml.v2 reading: YAML 1.1 booleans, shortened values, duplicate keys as type errors. */
export function defaultStrictYamlOptions(): StrictYamlOptions {
  return { yaml11: true, shortenValues: true, uniqueKeys: false };
}

/** yaml.v2 (YAML 1.1) plain scalars that decode into a Go bool. */
const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);

/** Go prints at most this many characters of a value in a type error before shortening it. */
const SHOWN_VALUE_MAX = 10;

/** A mapping decoded into a Go struct: its known keys with their (alias-resolved) nodes, and where it was. */
export interface StructFields {
  readonly fields: Map<string, Node | null>;
  readonly node: Node | null;
}

/**
 * Walks parsed YAML nodes into values, collecting Go's type errors in `errors`. Methods
 * return `undefined` after recording an error, so callers keep going and every problem of
 * a document is reported at once. A null node (absent key, `~`, empty value) decodes to
 * the Go zero value. Not safe to share between documents: it holds one document's errors.
 */
export class StrictYamlDecoder {
  readonly errors: string[] = [];

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly options: StrictYamlOptions = defaultStrictYamlOptions(),
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

  /** Go's short tag of a node (`!!str`, `!!int`, `!!map` …). */
  tag(node: Node): string {
    if (isMap(node)) return '!!map';
    if (isSeq(node)) return '!!seq';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return '!!null';
      if (typeof v === 'boolean' || (this.options.yaml11 && this.yaml11Bool(node) !== undefined)) return '!!bool';
      if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) && !/[.eE]|inf|nan/i.test(node.source ?? '') ? '!!int' : '!!float';
      return '!!str';
    }
    return '!!str';
  }

  /** The YAML 1.1 boolean a plain scalar spells, if any. */
  private yaml11Bool(node: Scalar): boolean | undefined {
    if (node.type !== 'PLAIN' && node.type !== undefined) return undefined;
    const src = String(node.source ?? node.value);
    if (YAML11_TRUE.has(src)) return true;
    if (YAML11_FALSE.has(src)) return false;
    return undefined;
  }

  /** Records Go's `cannot unmarshal !!tag `value` into T`. */
  typeError(node: Node, into: string): undefined {
    let shown = '';
    if (isScalar(node)) {
      const text = scalarText(node);
      shown = this.options.shortenValues && text.length > SHOWN_VALUE_MAX ? ` \`${text.slice(0, 7)}...\`` : ` \`${text}\``;
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

  /** A Go bool: booleans only (with `yaml11`, also `yes`/`no`/`on`/`off`); a quoted "true" is a string, refused. */
  bool(raw: unknown): boolean | undefined {
    const node = this.resolve(raw);
    if (node === null) return false;
    if (isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      const b = this.options.yaml11 ? this.yaml11Bool(node) : undefined;
      if (b !== undefined) return b;
    }
    return this.typeError(node, 'bool');
  }

  /** A Go integer of type `into` (`int`, `uint64`); negatives refused for unsigned types. */
  int(raw: unknown, into: 'int' | 'uint64' = 'int'): number | undefined {
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
   * `known` are `field x not found in type T`; a key given twice is
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

  /** Throws the collected type errors as Go's `yaml.TypeError` prints them, if any. */
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

/** Parsed documents of one text and the line table their nodes' offsets resolve against. */
export interface ParsedYaml {
  readonly docs: readonly Document.Parsed[];
  readonly lines: LineCounter;
}

/**
 * Parses YAML for strict decoding: one document, or with `many` every document of a
 * stream (an empty stream gives none). Throws ConfigDecodeError `yaml: line N: <reason>`
 * for the first syntax error, as Go's decoders report it.
 */
export function parseYamlDocuments(text: string, many: boolean, options: StrictYamlOptions = defaultStrictYamlOptions()): ParsedYaml {
  const lines = new LineCounter();
  const parseOptions = { lineCounter: lines, prettyErrors: false, uniqueKeys: options.uniqueKeys, strict: false, ...(options.yaml11 ? { version: '1.1' as const } : {}) };
  const docs = many ? [...parseAllDocuments(text, parseOptions)] : [parseDocument(text, parseOptions)];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err !== undefined) {
      const line = lines.linePos(err.pos[0]).line;
      throw new ConfigDecodeError(`yaml: line ${line}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
  }
  return { docs, lines };
}

/**
 * Parses one YAML document into a decoder. An empty document decodes as an empty mapping
 * (Go leaves the struct at its zero value). Throws ConfigDecodeError on a syntax error.
 */
export function parseYaml(text: string, options: StrictYamlOptions = defaultStrictYamlOptions()): StrictYamlDecoder {
  const { docs, lines } = parseYamlDocuments(text, false, options);
  return new StrictYamlDecoder(docs[0]!, lines, options);
}
