/**
 * LogQL's line parsers as pure functions of the line (see `types.ts` for the contract),
 * the pattern line filter and `decolorize`.
 */
export * from './types.js';
export { sanitizeLabelKey, isValidLabelName } from './sanitize.js';
export { jsonParser } from './json.js';
export { jsonExpressionParser, type ExtractionParam } from './json-expression.js';
export { logfmtParser, logfmtExpressionParser, defaultLogfmtOptions, type LogfmtOptions } from './logfmt.js';
export { regexpParser } from './regexp.js';
export { patternParser } from './pattern.js';
export { unpackParser } from './unpack.js';
export { compileLinePattern } from './pattern-filter.js';
export { decolorize } from './decolorize.js';
