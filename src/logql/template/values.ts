/**
 * The dynamic values a template computes with, modelled on the Go types Loki's functions
 * see. Plain JS values stand for the common Go types so that label lookups and string
 * functions allocate nothing:
 *
 * | Go                         | here                                   |
 * | -------------------------- | -------------------------------------- |
 * | `string`                   | `string`                               |
 * | `float64`                  | `number`                               |
 * | `bool`                     | `boolean`                              |
 * | `int`, `int64`, `uint8`, … | `GoInt` (a bigint and its Go type)     |
 * | `time.Time`                | `GoTime`                               |
 * | `map[string]string` (dot)  | `LabelsValue`                          |
 * | `map[string]interface{}`   | `Map<string, GoValue>` (from fromJson) |
 * | `[]interface{}`            | `GoValue[]` (from fromJson)            |
 * | a struct (Alertmanager's)  | `GoStruct`                             |
 * | invalid value / untyped nil| `null`                                 |
 * | nil `interface{}` element  | `undefined` (a map miss; see exec.ts)  |
 */
import type { GoFunc } from './functions.js';
import type { GoLocation } from './go-time.js';

/** Go integer types the functions return (`len` → int, `add` → int64, `index "s" 0` → uint8). */
export type IntType = 'int' | 'int64' | 'int32' | 'uint8' | 'time.Month' | 'time.Weekday' | 'time.Duration';

/** A Go integer of a named type; `v` is kept in the type's range by whoever builds it. */
export class GoInt {
  constructor(
    readonly v: bigint,
    readonly type: IntType,
  ) {}
}

/**
 * A Go `time.Time`: Unix seconds, nanoseconds within the second (0..999999999) and the
 * location it is shown in. Seconds are a JS number: every year Go can print (0..9999)
 * fits in 2^53 exactly.
 */
export class GoTime {
  constructor(
    readonly sec: number,
    readonly nsec: number,
    readonly loc: GoLocation,
  ) {}
}

/**
 * The labels a template runs over. A `ReadonlyMap<string, string>` satisfies it; the
 * pipeline may pass a lighter view. `forEach` order does not matter (Go sorts map keys
 * when printing or ranging).
 */
export interface TemplateLabels {
  get(name: string): string | undefined;
  forEach(fn: (value: string, name: string) => void): void;
  readonly size: number;
}

/** Dot at the start of execution: Loki's `map[string]string` of the entry's labels. */
export class LabelsValue {
  constructor(readonly labels: TemplateLabels) {}

  /** The entries sorted by key, as Go's fmt and range see a map. */
  sortedEntries(): [string, string][] {
    const out: [string, string][] = [];
    this.labels.forEach((v, k) => out.push([k, v]));
    return out.sort((a, b) => compareGoStrings(a[0], b[0]));
  }
}

/**
 * A Go struct value, for callers whose data are structs (Alertmanager's `Data`, `Alert`,
 * `Pair`): fields in declaration order; reading a field it lacks is Go's
 * `can't evaluate field X in type T`. LogQL never makes one.
 */
export class GoStruct {
  constructor(
    /** Go's type name as messages print it (`*template.Data`, `template.Pair`). */
    readonly goType: string,
    readonly fields: ReadonlyMap<string, GoValue>,
  ) {}
}

/**
 * A value of a named Go type with methods (Alertmanager's `KV`, `Pairs`, `Alerts`): a
 * `LabelsValue` or an array that also implements this. The executor looks methods up
 * before fields and map keys, as Go does; `goString` makes it a `fmt.Stringer`.
 */
export interface GoNamed {
  readonly goType: string;
  /** The method `name` with its Go signature (the receiver is bound), or undefined. */
  goMethod(name: string): GoFunc | undefined;
  goString?(): string;
}

/** Whether a value implements GoNamed. */
export function isGoNamed(v: unknown): v is GoNamed {
  return typeof v === 'object' && v !== null && typeof (v as Partial<GoNamed>).goMethod === 'function';
}

/** A template value. */
export type GoValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | GoInt
  | GoTime
  | LabelsValue
  | Map<string, GoValue>
  | GoStruct
  | readonly GoValue[];

/** Go compares strings bytewise; for UTF-16 this equals code point order except across surrogates, which is close enough for sorting map keys. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `int` of a JS safe integer (lengths, counts). */
export function goInt(n: number | bigint, type: IntType = 'int'): GoInt {
  return new GoInt(typeof n === 'bigint' ? n : BigInt(n), type);
}

/** Wraps to Go's int64 range, as Go's arithmetic does on overflow. */
export function int64(v: bigint): GoInt {
  return new GoInt(BigInt.asIntN(64, v), 'int64');
}

/** The Go type name of a value, as `%T` and Go's error messages print it. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
  }
  if (isGoNamed(v)) return v.goType;
  if (v instanceof GoStruct) return v.goType;
  if (v instanceof GoInt) return v.type;
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof LabelsValue) return 'map[string]string';
  if (v instanceof Map) return 'map[string]interface {}';
  return '[]interface {}';
}

/** Go's `reflect.Kind`-level classification used by comparisons and truth. */
export type GoKind = 'invalid' | 'string' | 'float' | 'bool' | 'int' | 'uint' | 'struct' | 'map' | 'slice';

/** The kind of a value (`undefined`, a nil interface, counts as invalid once unwrapped). */
export function goKind(v: GoValue): GoKind {
  if (v === null || v === undefined) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
  }
  if (v instanceof GoInt) return v.type === 'uint8' ? 'uint' : 'int';
  if (v instanceof GoTime || v instanceof GoStruct) return 'struct';
  if (v instanceof LabelsValue || v instanceof Map) return 'map';
  return 'slice';
}

/** text/template's `isTrue`: the zero value of its type is false; structs are always true. */
export function isTrue(v: GoValue): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'number':
      return v !== 0;
    case 'boolean':
      return v;
  }
  if (v instanceof GoInt) return v.v !== 0n;
  if (v instanceof GoTime || v instanceof GoStruct) return true;
  if (v instanceof LabelsValue) return v.labels.size > 0;
  if (v instanceof Map) return v.size > 0;
  return (v as readonly GoValue[]).length > 0;
}

/** Length of a Go string in UTF-8 bytes (`len "é"` is 2). */
export function utf8Length(s: string): number {
  // ASCII is by far the common case and needs no encoding.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** Whether a string is pure ASCII, so byte offsets equal UTF-16 offsets. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Go's `s[a:b]` on a string, by UTF-8 byte offsets. A cut inside a multi-byte character
 * leaves invalid UTF-8 in Go; here those bytes decode to U+FFFD.
 */
export function sliceBytes(s: string, a: number, b: number): string {
  if (isAscii(s)) return s.slice(a, b);
  return Buffer.from(s, 'utf8').subarray(a, b).toString('utf8');
}
