/**
 * Loki 3's log level discovery (`discover_log_levels`, on by default): the distributor adds
 * a `detected_level` structured metadata pair to every entry that lacks one
 * (pkg/distributor/field_detection.go, `extractLogLevel`). The level comes from, in order:
 * 1. `detected_level` already in the entry's metadata: kept, its value normalised;
 * 2. a stream label named as one of the level fields (`level`, `severity`, …), normalised;
 * 3. a metadata pair so named, normalised (OTLP's `severity_text` is one of them);
 * 4. the OTLP `severity_number` metadata pair, by the ranges of the OpenTelemetry log data
 *    model (1–4 trace, 5–8 debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal);
 * 5. the line: a level field of a JSON object (two levels deep) or of logfmt pairs, else
 *    words in the text (`info`, `[error]`, `warning`, …); `unknown` when nothing matches.
 *
 * Only the OTLP path of Cairn runs this today (issue 10); the Loki push path does not
 * add `detected_level` yet.
 */
import type { Label } from '../../model/labels.js';

/** The structured metadata name Loki 3 writes (`constants.LevelLabel`). */
export const DETECTED_LEVEL = 'detected_level';

/** Loki's `defaultAllowedLevelFields`, in priority order. */
export const LEVEL_FIELDS: readonly string[] = [
  'level', 'LEVEL', 'Level', 'log.level', 'severity', 'SEVERITY', 'Severity', 'SeverityText',
  'lvl', 'LVL', 'Lvl', 'severity_text', 'Severity_Text', 'SEVERITY_TEXT',
];
const LEVEL_FIELD_SET: ReadonlySet<string> = new Set(LEVEL_FIELDS);

/** Loki's `log_level_from_json_max_depth` default: object keys at depths 0 and 1 are searched. */
const JSON_MAX_DEPTH = 2;

/** The level words Loki recognises (case-insensitively) and the value each normalises to. */
const LEVEL_WORDS: ReadonlyMap<string, string> = new Map([
  ['trace', 'trace'], ['trc', 'trace'],
  ['debug', 'debug'], ['dbg', 'debug'],
  ['info', 'info'], ['inf', 'info'], ['information', 'info'],
  ['warn', 'warn'], ['wrn', 'warn'], ['warning', 'warn'],
  ['error', 'error'], ['err', 'error'],
  ['critical', 'critical'],
  ['fatal', 'fatal'],
]);

/** Loki's `normalizeLogLevel`: a known level word in lowercase, any other text as it is. */
export function normalizeLevel(level: string): string {
  return LEVEL_WORDS.get(level.toLowerCase()) ?? level;
}

/** Loki's `detectLogLevelFromLogEntry` for an OTLP `severity_number` text. */
export function levelFromSeverityNumber(text: string): string {
  // Go's strconv.Atoi: optional sign, decimal digits, nothing else.
  if (!/^[+-]?\d+$/.test(text)) return 'info';
  const n = Number(text);
  if (n === 0) return 'unknown';
  if (n <= 4) return 'trace';
  if (n <= 8) return 'debug';
  if (n <= 12) return 'info';
  if (n <= 16) return 'warn';
  if (n <= 20) return 'error';
  if (n <= 24) return 'fatal';
  return 'unknown';
}

function firstOf(labels: readonly Label[], names: readonly string[]): string | undefined {
  for (const name of names) {
    const found = labels.find((l) => l.name === name);
    if (found !== undefined) return found.value;
  }
  return undefined;
}

/**
 * The `detected_level` pair to append to an entry, or undefined when the entry already has
 * one (then `metadata` is returned normalised through `normalized`). Pure: never mutates.
 */
export function detectLevel(
  streamLabels: readonly Label[],
  metadata: readonly Label[],
  line: string,
): { readonly add?: Label; readonly normalized?: readonly Label[] } {
  const existing = metadata.findIndex((m) => m.name === DETECTED_LEVEL);
  if (existing >= 0) {
    const value = normalizeLevel(metadata[existing]!.value);
    if (value === metadata[existing]!.value) return {};
    const normalized = metadata.slice();
    normalized[existing] = { name: DETECTED_LEVEL, value };
    return { normalized };
  }
  const fromLabel = firstOf(streamLabels, LEVEL_FIELDS);
  let level: string;
  if (fromLabel !== undefined) level = normalizeLevel(fromLabel);
  else {
    const fromMetadata = firstOf(metadata, LEVEL_FIELDS);
    if (fromMetadata !== undefined) level = normalizeLevel(fromMetadata);
    else {
      const severity = metadata.find((m) => m.name === 'severity_number');
      // Loki tests the text for being non-empty: an empty severity_number falls through to the line.
      level = severity !== undefined && severity.value !== '' ? levelFromSeverityNumber(severity.value) : levelFromLine(line);
    }
  }
  return level === '' ? {} : { add: { name: DETECTED_LEVEL, value: level } };
}

/** Loki's `isJSON`: the first and last non-space characters are `{` and `}`. */
function looksLikeJson(line: string): boolean {
  const t = line.trim();
  return t.length > 0 && t.charCodeAt(0) === 0x7b && t.charCodeAt(t.length - 1) === 0x7d;
}

/** The first string value of a level field, depth-first in key order, within `JSON_MAX_DEPTH`. */
function jsonLevel(obj: Record<string, unknown>, depth: number): string | undefined {
  if (depth >= JSON_MAX_DEPTH) return undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') {
      if (LEVEL_FIELD_SET.has(k)) return v;
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const found = jsonLevel(v as Record<string, unknown>, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Loki's `getValueUsingLogfmtParser` for the level fields: the value of the key that
 * matches the earliest field (case-insensitively), scanning pairs until the end of the
 * line or the first syntax error.
 */
function logfmtLevel(line: string): string {
  let best = LEVEL_FIELDS.length;
  let result = '';
  const n = line.length;
  let p = 0;
  for (;;) {
    while (p < n && line.charCodeAt(p) <= 0x20) p++;
    if (p >= n) return result;
    const start = p;
    while (p < n) {
      const c = line.charCodeAt(p);
      if (c <= 0x20 || c === 0x3d || c === 0x22) break;
      p++;
    }
    if (p < n && line.charCodeAt(p) === 0x22) return result; // a quote in a key is a syntax error
    const key = line.slice(start, p);
    if (key === '' && p < n) return result; // `=` with no key
    let value = '';
    if (p < n && line.charCodeAt(p) === 0x3d) {
      p++;
      if (p < n && line.charCodeAt(p) === 0x22) {
        let q = p + 1;
        let esc = false;
        for (; q < n; q++) {
          const c = line.charCodeAt(q);
          if (esc) esc = false;
          else if (c === 0x5c) esc = true;
          else if (c === 0x22) break;
        }
        if (q >= n) return result; // unterminated quoted value
        try {
          value = JSON.parse(line.slice(p, q + 1)) as string;
        } catch {
          return result;
        }
        p = q + 1;
      } else {
        const vs = p;
        while (p < n && line.charCodeAt(p) > 0x20) {
          const c = line.charCodeAt(p);
          if (c === 0x3d || c === 0x22) return result;
          p++;
        }
        value = line.slice(vs, p);
      }
    }
    const lower = key.toLowerCase();
    for (let x = 0; x < best; x++) {
      if (LEVEL_FIELDS[x]!.toLowerCase() === lower) {
        result = value;
        best = x;
        if (x === 0) return result;
        break;
      }
    }
  }
}

/** Loki's `detectLevelFromLogLine`: words in free text, in its order of precedence. */
function levelFromWords(line: string): string {
  const has = (...words: string[]) => words.some((w) => line.includes(w));
  if (has('info:', 'INFO:', '[info]', '[INFO]', 'info', 'INFO')) return 'info';
  if (has('err:', 'ERR:', '[err]', '[ERR]', '[error]', '[ERROR]')) return 'error';
  if (has('warn:', 'WARN:', '[warn]', '[WARN]', '[warning]', '[WARNING]', 'warning', 'WARNING')) return 'warn';
  if (has('critical:', 'CRITICAL:', '[critical]', '[CRITICAL]')) return 'critical';
  if (has('debug:', 'DEBUG:', '[debug]', '[DEBUG]', 'debug', 'DEBUG')) return 'debug';
  return 'unknown';
}

/** Loki's `extractLogLevelFromLogLine`. */
export function levelFromLine(line: string): string {
  let found: string | undefined;
  if (looksLikeJson(line)) {
    try {
      const obj = JSON.parse(line) as unknown;
      if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) found = jsonLevel(obj as Record<string, unknown>, 0);
    } catch {
      // Not JSON after all: Loki's parser finds nothing either, and the words decide.
    }
  } else if (line.includes('=')) {
    found = logfmtLevel(line);
  } else {
    return levelFromWords(line);
  }
  const word = found === undefined ? undefined : LEVEL_WORDS.get(found.toLowerCase());
  return word ?? levelFromWords(line);
}
