/**
 * `| json` without parameters (Loki's `JSONParser`): every string, number and boolean
 * member becomes a field; nested objects are flattened with `_`; arrays and nulls are
 * skipped. Numbers keep their text (`1.0`, `12345678901234567890`).
 */
import { JsonType, objectEach, unescape } from './json-scan.js';
import { appendSanitized, replaceRuneErrors, sanitizeLabelKey } from './sanitize.js';
import { JSON_PARSER_ERR, type FieldSink, type LineParser, type ParseFailure, type ParseOptions } from './types.js';

/**
 * A string member's value as Loki's `unescapeJSONString` makes it: unescaped, "" when an
 * escape is invalid, U+FFFD replaced by a space.
 */
export function jsonStringValue(s: string, start: number, end: number): string {
  const v = unescape(s, start, end);
  return v === undefined ? '' : replaceRuneErrors(v);
}

/** A scalar member's label value (Loki's `readValue`); strings unescaped, numbers as written. */
function scalarValue(s: string, start: number, end: number, type: JsonType): string {
  switch (type) {
    case JsonType.String:
      return jsonStringValue(s, start, end);
    case JsonType.Number:
      return s.slice(start, end);
    case JsonType.Boolean:
      return s.charCodeAt(start) === 0x74 ? 'true' : 'false';
    default:
      return '';
  }
}

/**
 * Walks one object: `prefix` is the sanitised path so far ('' at the top). Returns
 * jsonparser's error text, if any, which stops the whole walk.
 */
function walk(s: string, start: number, end: number, prefix: string, sink: FieldSink, wanted: ((key: string) => boolean) | undefined): string | undefined {
  return objectEach(s, start, end, (key, vStart, vEnd, type) => {
    if (type === JsonType.Object) {
      // Loki's nextKeyPrefix: a `_` joins the parts; a digit-led key gets `_` only at the top.
      const next = appendSanitized(prefix.length === 0 ? '' : `${prefix}_`, key);
      return walk(s, vStart, vEnd, next, sink, wanted);
    }
    if (type !== JsonType.String && type !== JsonType.Number && type !== JsonType.Boolean) return undefined;
    const name = prefix.length === 0 ? sanitizeLabelKey(key, true) : appendSanitized(`${prefix}_`, key);
    // Loki would set a label with an empty name here; such a label cannot be returned.
    if (name.length === 0) return undefined;
    if (wanted !== undefined && !wanted(name)) return undefined;
    sink(name, scalarValue(s, vStart, vEnd, type));
    return undefined;
  });
}

/** A compiled `| json`. The factory takes no configuration and cannot fail. */
export function jsonParser(): LineParser {
  return {
    parse(line: string, sink: FieldSink, options?: ParseOptions): ParseFailure | undefined {
      const err = walk(line, 0, line.length, '', sink, options?.wanted);
      return err === undefined ? undefined : { type: JSON_PARSER_ERR, details: err };
    },
  };
}
