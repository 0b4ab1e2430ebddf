/**
 * The typed values of configuration keys, and how each is parsed from YAML, an
 * environment variable or a flag. One table of key specs (`config.ts`, `limits.ts`)
 * drives defaults, parsing, validation, env names and the `/config` view.
 */
import { badData } from '../util/errors.js';
import { formatDuration, parseDuration } from '../util/duration.js';

/** The kinds of value a key may hold. */
export type ValueType = 'int' | 'float' | 'bool' | 'string' | 'duration' | 'bytes' | 'enum';

/** One configuration key. */
export interface KeySpec {
  /** Dotted YAML path, snake_case as Mimir and Loki spell it: `server.http_listen_port`. */
  readonly key: string;
  readonly type: ValueType;
  /** Default as written in YAML (`31d`, `256KB`, 9009). */
  readonly default: string | number | boolean;
  readonly help: string;
  /** Shown as `********` in `/config` and never logged. */
  readonly secret?: boolean;
  /** Allowed values for `enum`. */
  readonly values?: readonly string[];
  /** Extra environment variable names besides the derived `CAIRN_<KEY>`. */
  readonly envAliases?: readonly string[];
  /** Lower bound for numbers (inclusive). */
  readonly min?: number;
  /** Upper bound for numbers (inclusive). */
  readonly max?: number;
}

/** The field name a key maps to: camelCase of its last segment, `Ms` appended for durations. */
export function fieldName(spec: KeySpec): string {
  const last = spec.key.split('.').pop()!;
  const camel = last.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return spec.type === 'duration' ? `${camel}Ms` : camel;
}

/** The derived environment variable name: `server.http_listen_port` → `CAIRN_SERVER_HTTP_LISTEN_PORT`. */
export function envName(spec: KeySpec): string {
  return `CAIRN_${spec.key.replace(/\./g, '_').toUpperCase()}`;
}

/**
 * Byte sizes as Loki's `flagext.ByteSize` reads them (go-humanize): SI units are powers
 * of 1000 (`KB`, `MB`), IEC units powers of 1024 (`KiB`, `MiB`); a bare number is bytes.
 */
const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, k: 1e3, m: 1e6, g: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4, ki: 1024, mi: 1024 ** 2, gi: 1024 ** 3,
};

/** Parses `256KB`, `100MiB` or `1048576` into bytes. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const mult = m === null ? undefined : m[2] === '' ? 1 : BYTE_UNITS[m[2]!.toLowerCase()];
  if (m === null || mult === undefined) throw badData('invalid_config', `cannot parse "${text}" as a byte size (examples: 1048576, 256KB, 100MiB)`);
  return Math.round(Number(m[1]) * mult);
}

/**
 * Parses a raw value (from YAML, env or flag) for `spec` into its runtime form: numbers
 * for int/float/bytes, milliseconds for durations. `where` names the source in errors.
 */
export function parseValue(spec: KeySpec, raw: unknown, where: string): string | number | boolean {
  const fail = (why: string) => badData('invalid_config', `invalid value ${JSON.stringify(raw)} for ${spec.key} in ${where}: ${why}`);
  const fromString = typeof raw === 'string';
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string' && typeof raw !== 'number') throw fail('expected a string');
      return String(raw);
    case 'enum': {
      const s = String(raw);
      if (!spec.values!.includes(s)) throw fail(`expected one of ${spec.values!.join(', ')}`);
      return s;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (fromString && /^(true|1|yes)$/i.test(raw)) return true;
      if (fromString && /^(false|0|no)$/i.test(raw)) return false;
      throw fail('expected true or false');
    case 'int':
    case 'float': {
      const n = typeof raw === 'number' ? raw : fromString && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw fail('expected a number');
      if (spec.type === 'int' && !Number.isInteger(n)) throw fail('expected a whole number');
      if (spec.min !== undefined && n < spec.min) throw fail(`must be at least ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw fail(`must be at most ${spec.max}`);
      return n;
    }
    case 'duration': {
      if (raw === 0) return 0;
      if (!fromString) throw fail('expected a duration such as 10s, 5m or 31d');
      try {
        const ms = parseDuration(raw);
        if (ms < 0) throw fail('must not be negative');
        return ms;
      } catch (e) {
        throw fail((e as Error).message);
      }
    }
    case 'bytes': {
      if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0) return raw;
      if (!fromString) throw fail('expected a byte size');
      try {
        return parseBytes(raw);
      } catch (e) {
        throw fail((e as Error).message);
      }
    }
  }
}

/** Renders a runtime value back into its YAML form (durations as `31d`). */
export function formatValue(spec: KeySpec, v: string | number | boolean): string | number | boolean {
  return spec.type === 'duration' ? formatDuration(v as number) : v;
}
