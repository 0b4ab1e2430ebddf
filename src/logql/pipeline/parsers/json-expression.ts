/**
 * `| json a="x.y", b="tags[0]", c` (Loki's `JSONExpressionParser`): only the listed paths,
 * found in one pass with jsonparser's `EachKey`. Objects come back as their JSON text,
 * arrays as their (unescaped) text, null as "", and a path not found as "".
 */
import { eachKey, JsonType } from './json-scan.js';
import { jsonStringValue } from './json.js';
import { jsonPathToStrings, parseJsonPath } from './json-path.js';
import { isValidLabelName } from './sanitize.js';
import { JSON_PARSER_ERR, type FieldSink, type LineParser, type ParseFailure, type ParseOptions } from './types.js';

/** One `label="expression"` parameter. */
export interface ExtractionParam {
  readonly label: string;
  readonly expression: string;
}

/**
 * Compiles `| json` with parameters. Throws an Error with Loki's text for an expression
 * that does not parse (`cannot parse expression [x[]: syntax error: …`) or a label that is
 * not a valid label name (`invalid extracted label name 'x-y'`).
 */
export function jsonExpressionParser(params: readonly ExtractionParam[]): LineParser {
  const ids: string[] = [];
  const paths: string[][] = [];
  for (const p of params) {
    let path;
    try {
      path = parseJsonPath(p.expression);
    } catch (e) {
      throw new Error(`cannot parse expression [${p.expression}]: ${(e as Error).message}`);
    }
    if (!isValidLabelName(p.label)) throw new Error(`invalid extracted label name '${p.label}'`);
    ids.push(p.label);
    paths.push(jsonPathToStrings(path));
  }
  return {
    parse(line: string, sink: FieldSink, options?: ParseOptions): ParseFailure | undefined {
      // Loki returns an empty line untouched: no fields, not even the empty fill-ins.
      if (line.length === 0) return undefined;
      const c = line.charCodeAt(0);
      // Loki only checks the first byte (no whitespace skipping) and sets no details.
      if (c !== 0x22 && c !== 0x7b && c !== 0x5b) return { type: JSON_PARSER_ERR, details: '' };
      let failure: ParseFailure | undefined;
      const found = new Array<boolean>(ids.length).fill(false);
      eachKey(line, paths, (idx, vStart, vEnd, type, error) => {
        if (error !== undefined) {
          // Loki overwrites __error_details__ on each failing path: the last one stays.
          failure = { type: JSON_PARSER_ERR, details: error };
          return;
        }
        found[idx] = true;
        let value: string;
        if (type === JsonType.Null) value = '';
        else if (type === JsonType.Object) value = line.slice(vStart, vEnd);
        else value = jsonStringValue(line, vStart, vEnd);
        sink(ids[idx]!, value);
      });
      for (let k = 0; k < ids.length; k++) {
        if (found[k]) continue;
        if (options?.absent !== undefined) options.absent(ids[k]!);
        else sink(ids[k]!, '');
      }
      return failure;
    },
  };
}
