/**
 * `| unpack` (Loki's `UnpackParser`, for Promtail's `pack` stage): the line is a JSON
 * object whose string members are the packed labels and whose `_entry` member is the
 * original line. The labels are only applied, and the line only replaced, when an `_entry`
 * string was present; non-string members are ignored.
 */
import { JsonType, objectEach, unescape, MALFORMED_STRING_ESCAPE } from './json-scan.js';
import { jsonStringValue } from './json.js';
import { sanitizeLabelKey } from './sanitize.js';
import { JSON_PARSER_ERR, type FieldSink, type ParseOptions, type UnpackLineParser, type UnpackResult } from './types.js';

/** Promtail's key for the packed line (`logqlmodel.PackedEntryKey`). */
const PACKED_ENTRY_KEY = '_entry';

/**
 * Loki's `errUnexpectedJSONObject`: `expecting json object(%d), but it is not` with
 * jsoniter's ObjectValue, which is 6.
 */
const NOT_AN_OBJECT = 'expecting json object(6), but it is not';

/** Compiles `| unpack`. Cannot fail. */
export function unpackParser(): UnpackLineParser {
  return {
    parse(line: string, sink: FieldSink, options?: ParseOptions): UnpackResult {
      if (line.length === 0) return { line };
      // Loki checks the first byte only: leading whitespace is not an object.
      if (line.charCodeAt(0) !== 0x7b) return { line, failure: { type: JSON_PARSER_ERR, details: NOT_AN_OBJECT } };
      const wanted = options?.wanted;
      const pending: string[] = [];
      let entry: string | undefined;
      const err = objectEach(line, 0, line.length, (key, vStart, vEnd, type) => {
        if (type !== JsonType.String) return undefined;
        if (key === PACKED_ENTRY_KEY) {
          const v = unescape(line, vStart, vEnd);
          if (v === undefined) return MALFORMED_STRING_ESCAPE;
          entry = v;
          return undefined;
        }
        const name = sanitizeLabelKey(key, true);
        if (name.length === 0 || (wanted !== undefined && !wanted(name))) return undefined;
        pending.push(name, jsonStringValue(line, vStart, vEnd));
        return undefined;
      });
      if (err !== undefined) return { line, failure: { type: JSON_PARSER_ERR, details: err } };
      if (entry === undefined) return { line };
      for (let k = 0; k < pending.length; k += 2) sink(pending[k]!, pending[k + 1]!);
      return { line: entry };
    },
  };
}
