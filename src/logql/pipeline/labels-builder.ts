/**
 * The per-stream label state a pipeline works on (Loki's `LabelsBuilder`,
 * `pkg/logql/log/labels.go`): the stream's labels stay as they are, and each entry's
 * changes are kept beside them, each tagged with its category (stream, structured
 * metadata, parsed). Nothing is built until a result is asked for, and a result is only
 * built once per distinct label set (results are cached by key), so entries that end
 * with the same labels share one immutable label array.
 *
 * Precedence follows Loki: for one name, a parsed value hides structured metadata, which
 * hides a stream label. `__error__` and `__error_details__` are kept apart from the
 * labels and appended to results (as parsed labels) when set.
 */
import { compareByName, labelsKey, type Label, type Labels } from '../../model/labels.js';

/** Where a label came from; higher wins when a name is set twice. */
export const enum Category {
  Stream = 0,
  Metadata = 1,
  Parsed = 2,
}

/** The error label Loki sets when a stage fails, and its companion with the details. */
export const ERROR_LABEL = '__error__';
export const ERROR_DETAILS_LABEL = '__error_details__';
/** Suffix of a name that lost a clash with a higher-precedence label of the same name. */
export const DUPLICATE_SUFFIX = '_extracted';

/** The `__error__` values, as Loki spells them (`pkg/logqlmodel/error.go`). */
export const ERR_JSON = 'JSONParserErr';
export const ERR_LOGFMT = 'LogfmtParserErr';
export const ERR_SAMPLE_EXTRACTION = 'SampleExtractionErr';
export const ERR_LABEL_FILTER = 'LabelFilterErr';
export const ERR_TEMPLATE_FORMAT = 'TemplateFormatErr';

/** A finished label set with its categories; immutable and shared between entries. */
export interface LabelsResult {
  readonly labels: Labels;
  readonly key: string;
  readonly stream: Labels;
  readonly structuredMetadata: Labels;
  readonly parsed: Labels;
}

const EMPTY: Labels = Object.freeze([]) as Labels;

/**
 * Results kept per builder before the cache is dropped and refilled: enough for the
 * distinct label sets of a typical stream, bounded so a parser that extracts a unique
 * value per line (a request id) cannot grow memory without limit.
 */
const RESULT_CACHE_MAX = 4096;

/** Builds a result from sorted, name-unique labels, splitting them by category. */
function makeResult(labels: Labels, key: string, categoryOf: (name: string) => Category): LabelsResult {
  const stream: Label[] = [];
  const metadata: Label[] = [];
  const parsed: Label[] = [];
  for (const l of labels) {
    const c = l.name === ERROR_LABEL || l.name === ERROR_DETAILS_LABEL ? Category.Parsed : categoryOf(l.name);
    (c === Category.Parsed ? parsed : c === Category.Metadata ? metadata : stream).push(l);
  }
  return {
    labels,
    key,
    stream: stream.length === labels.length ? labels : stream,
    structuredMetadata: metadata.length === 0 ? EMPTY : metadata,
    parsed: parsed.length === 0 ? EMPTY : parsed,
  };
}

/**
 * One stream's labels plus the changes made while one entry runs through the pipeline.
 * Call `reset()` before each entry. Not re-entrant.
 *
 * The changes live in parallel arrays that are truncated, never reallocated, between
 * entries: an entry touches a handful of names, so linear scans beat hashing, and
 * clearing a Map or Set per entry would allocate a new table every time.
 */
export class LabelsBuilder {
  /** The stream labels, sorted. */
  readonly base: Labels;
  /** The result when nothing changed: the stream labels themselves. */
  readonly baseResult: LabelsResult;
  private readonly baseValues: Map<string, string>;
  private readonly names: string[] = [];
  private readonly values: string[] = [];
  private readonly categories: Category[] = [];
  private n = 0;
  private readonly deleted: string[] = [];
  private nDeleted = 0;
  /** Parsed names set during this entry: a later parser stage does not overwrite them. */
  private readonly extracted: string[] = [];
  private nExtracted = 0;
  /** Scratch: indexes of the changes in name order, for building results. */
  private readonly order: number[] = [];
  /** Scratch: the merged label sequence of `result()`. */
  private readonly mergedNames: string[] = [];
  private readonly mergedValues: string[] = [];
  private readonly mergedLabels: (Label | undefined)[] = [];
  /** Results by the hash of their labels, checked label by label before use. */
  private readonly byHash = new Map<number, LabelsResult>();
  private readonly cache = new Map<string, LabelsResult>();
  err = '';
  errDetails = '';

  constructor(streamLabels: Labels) {
    this.base = streamLabels;
    this.baseValues = new Map(streamLabels.map((l) => [l.name, l.value]));
    this.baseResult = { labels: streamLabels, key: labelsKey(streamLabels), stream: streamLabels, structuredMetadata: EMPTY, parsed: EMPTY };
  }

  /** Forgets the previous entry's changes. */
  reset(): void {
    this.n = 0;
    this.nDeleted = 0;
    this.nExtracted = 0;
    this.err = '';
    this.errDetails = '';
  }

  /** True when nothing differs from the stream labels (no change, deletion or error). */
  unchanged(): boolean {
    return this.n === 0 && this.nDeleted === 0 && this.err === '' && this.errDetails === '';
  }

  /** Whether the stream labels (as selected, before any drop) have `name`. */
  baseHas(name: string): boolean {
    return this.baseValues.has(name);
  }

  private indexOf(name: string): number {
    const names = this.names;
    for (let i = 0; i < this.n; i++) if (names[i] === name) return i;
    return -1;
  }

  private isDeleted(name: string): boolean {
    const d = this.deleted;
    for (let i = 0; i < this.nDeleted; i++) if (d[i] === name) return true;
    return false;
  }

  /** Whether `name` currently holds a structured metadata value. */
  hasMetadata(name: string): boolean {
    const i = this.indexOf(name);
    return i >= 0 && this.categories[i] === Category.Metadata;
  }

  /** Whether a parser already extracted `name` for this entry. */
  wasExtracted(name: string): boolean {
    const x = this.extracted;
    for (let i = 0; i < this.nExtracted; i++) if (x[i] === name) return true;
    return false;
  }

  /** The current value of `name` (not `__error__`, which is kept apart), or undefined. */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    if (i >= 0) return this.values[i];
    if (this.nDeleted > 0 && this.isDeleted(name)) return undefined;
    return this.baseValues.get(name);
  }

  /** The category of the current value of `name`, or undefined when absent. */
  categoryOf(name: string): Category | undefined {
    const i = this.indexOf(name);
    if (i >= 0) return this.categories[i];
    if (this.isDeleted(name) || !this.baseValues.has(name)) return undefined;
    return Category.Stream;
  }

  /**
   * Sets a label under a category. Parsed values replace any other; structured metadata
   * does not replace a parsed value; a stream value replaces only another stream value.
   */
  set(category: Category, name: string, value: string): void {
    let i = this.indexOf(name);
    if (i >= 0) {
      if (this.categories[i]! > category) return;
    } else {
      i = this.n++;
      this.names[i] = name;
    }
    this.values[i] = value;
    this.categories[i] = category;
    if (category === Category.Parsed && !this.wasExtracted(name)) this.extracted[this.nExtracted++] = name;
  }

  /** Removes a label whatever its category. */
  del(name: string): void {
    const i = this.indexOf(name);
    if (i >= 0) {
      // Move the last change into the hole: order does not matter.
      const last = --this.n;
      this.names[i] = this.names[last]!;
      this.values[i] = this.values[last]!;
      this.categories[i] = this.categories[last]!;
    }
    if (!this.isDeleted(name)) this.deleted[this.nDeleted++] = name;
  }

  /**
   * Adds an entry's structured metadata: a name the stream labels have becomes
   * `<name>_extracted`; `__error__`/`__error_details__` set the error instead.
   */
  addMetadata(metadata: readonly Label[]): void {
    for (const l of metadata) {
      const name = this.baseValues.has(l.name) ? l.name + DUPLICATE_SUFFIX : l.name;
      if (name === ERROR_LABEL) this.err = l.value;
      else if (name === ERROR_DETAILS_LABEL) this.errDetails = l.value;
      else this.set(Category.Metadata, name, l.value);
    }
  }

  /** Sets the error label and its details (replacing any earlier ones). */
  setError(err: string, details: string): void {
    this.err = err;
    this.errDetails = details;
  }

  /** Every current label, unsorted, including the error labels. Calls `fn` per label. */
  forEach(fn: (name: string, value: string) => void): void {
    for (const l of this.base) {
      if (this.indexOf(l.name) >= 0 || this.isDeleted(l.name)) continue;
      fn(l.name, l.value);
    }
    for (let i = 0; i < this.n; i++) fn(this.names[i]!, this.values[i]!);
    if (this.err !== '') fn(ERROR_LABEL, this.err);
    if (this.errDetails !== '') fn(ERROR_DETAILS_LABEL, this.errDetails);
  }

  /** Fills `order` with the change indexes sorted by name (insertion sort: a few items). */
  private sortChanges(): void {
    const order = this.order;
    const names = this.names;
    order.length = this.n;
    for (let i = 0; i < this.n; i++) {
      let j = i;
      const name = names[i]!;
      while (j > 0 && names[order[j - 1]!]! > name) {
        order[j] = order[j - 1]!;
        j--;
      }
      order[j] = i;
    }
  }

  /**
   * The current labels as a result. The merged label sequence is gathered into scratch
   * arrays and hashed; a cached result with the same labels is returned as is, so label
   * objects and the key string are only made for a set not seen before.
   */
  result(): LabelsResult {
    if (this.unchanged()) return this.baseResult;
    const m = this.merge();
    const { mergedNames, mergedValues } = this;
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < m; i++) {
      const name = mergedNames[i]!;
      const value = mergedValues[i]!;
      for (let j = 0; j < name.length; j++) h = Math.imul(h ^ name.charCodeAt(j), 0x01000193);
      h = Math.imul(h ^ 0xffff, 0x01000193);
      for (let j = 0; j < value.length; j++) h = Math.imul(h ^ value.charCodeAt(j), 0x01000193);
      h = Math.imul(h ^ 0xfffe, 0x01000193);
    }
    const cached = this.byHash.get(h);
    if (cached !== undefined && this.sameAsMerged(cached.labels, m)) return cached;
    const out: Label[] = new Array<Label>(m);
    for (let i = 0; i < m; i++) out[i] = this.mergedLabels[i] ?? { name: mergedNames[i]!, value: mergedValues[i]! };
    const key = labelsKey(out);
    const r = this.lookup(key) ?? this.store(key, makeResult(out, key, (name) => this.categoryOf(name) ?? Category.Parsed));
    if (this.byHash.size >= RESULT_CACHE_MAX) this.byHash.clear();
    this.byHash.set(h, r);
    return r;
  }

  /**
   * Merges the stream labels (minus changed or deleted ones), the changes and the error
   * labels, in name order, into the scratch arrays; returns the count. `mergedLabels`
   * holds the stream's own Label object where there is one, so results can share it.
   */
  private merge(): number {
    this.sortChanges();
    const { base, names, values, order, mergedNames, mergedValues, mergedLabels } = this;
    const extras = this.errorLabels();
    let m = 0;
    let bi = 0;
    let ci = 0;
    let ei = 0;
    for (;;) {
      while (bi < base.length && (this.indexOf(base[bi]!.name) >= 0 || this.isDeleted(base[bi]!.name))) bi++;
      const b = bi < base.length ? base[bi]!.name : undefined;
      const c = ci < order.length ? names[order[ci]!]! : undefined;
      const e = ei < extras.length ? extras[ei]!.name : undefined;
      if (b === undefined && c === undefined && e === undefined) break;
      if (b !== undefined && (c === undefined || b < c) && (e === undefined || b < e)) {
        const l = base[bi++]!;
        mergedNames[m] = l.name;
        mergedValues[m] = l.value;
        mergedLabels[m] = l;
      } else if (c !== undefined && (e === undefined || c < e)) {
        mergedNames[m] = c;
        mergedValues[m] = values[order[ci++]!]!;
        mergedLabels[m] = undefined;
      } else {
        const l = extras[ei++]!;
        mergedNames[m] = l.name;
        mergedValues[m] = l.value;
        mergedLabels[m] = l;
      }
      m++;
    }
    return m;
  }

  private sameAsMerged(ls: Labels, m: number): boolean {
    if (ls.length !== m) return false;
    for (let i = 0; i < m; i++) {
      const l = ls[i]!;
      if (l.name !== this.mergedNames[i] || l.value !== this.mergedValues[i]) return false;
    }
    return true;
  }

  /** The error labels in name order (`__error__` sorts before `__error_details__`). */
  private errorLabels(): Label[] {
    if (this.err === '' && this.errDetails === '') return NO_LABELS;
    const out: Label[] = [];
    if (this.err !== '') out.push({ name: ERROR_LABEL, value: this.err });
    if (this.errDetails !== '') out.push({ name: ERROR_DETAILS_LABEL, value: this.errDetails });
    return out;
  }

  /**
   * The labels of a sample (Loki's `GroupedLabels`): every label when an error is set (so
   * the error surfaces), none with `noLabels`, else the labels named in `groups` (`by`)
   * or all but them (`without`). `groups` is sorted.
   */
  grouped(groups: readonly string[], without: boolean, noLabels: boolean): LabelsResult {
    if (this.err !== '') return this.result();
    if (noLabels) return EMPTY_RESULT;
    if (groups.length === 0 || (without && this.n === 0 && this.nDeleted === 0 && !this.baseHasAny(groups))) return this.result();
    const out: Label[] = [];
    if (without) {
      this.forEach((name, value) => {
        if (!groups.includes(name)) out.push({ name, value });
      });
      out.sort(compareByName);
    } else {
      for (const g of groups) {
        const v = this.get(g);
        if (v !== undefined) out.push({ name: g, value: v });
      }
    }
    const key = labelsKey(out);
    return this.lookup(key) ?? this.store(key, makeResult(out, key, () => Category.Stream));
  }

  private baseHasAny(names: readonly string[]): boolean {
    for (const n of names) if (this.baseValues.has(n)) return true;
    return false;
  }

  private lookup(key: string): LabelsResult | undefined {
    if (key === this.baseResult.key) return this.baseResult;
    return this.cache.get(key);
  }

  private store(key: string, r: LabelsResult): LabelsResult {
    if (this.cache.size >= RESULT_CACHE_MAX) this.cache.clear();
    this.cache.set(key, r);
    return r;
  }
}

const NO_LABELS: Label[] = [];

/** The result of `by ()`, `absent_over_time`: no labels. */
export const EMPTY_RESULT: LabelsResult = { labels: EMPTY, key: '', stream: EMPTY, structuredMetadata: EMPTY, parsed: EMPTY };
