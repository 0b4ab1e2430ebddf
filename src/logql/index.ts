/**
 * LogQL: the AST, parser and printers. `parseLogQL` turns a query into a tree (throwing a
 * `LogQLParseError` with Loki's wording); `formatLogQL` prints Loki's canonical one-line
 * form (its `String()`); `prettifyLogQL` prints the multi-line form that Loki's
 * `format_query` endpoint returns (its `Prettify`).
 */
export * from './ast.js';
export { parseLogQL, parseLogSelector, MAX_INPUT_BYTES } from './parser.js';
export { formatLogQL, formatLogSelector, formatLabelFilter, formatMatcher } from './printer.js';
export { prettifyLogQL } from './prettier.js';
export { LogQLParseError } from './parse-error.js';
