/**
 * The two errors of the template engine. Both carry Go's exact text in `message`, so Loki's
 * wrappers (`invalid line template: …`, `__error_details__`) can be built on top of them.
 */

/**
 * Thrown by `compileTemplate` for a template Go's `text/template` would refuse to parse;
 * the message is Go's (`template: line:1: unclosed action`,
 * `template: line:1: function "foo" not defined`).
 */
export class TemplateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateParseError';
  }
}

/**
 * Thrown by `CompiledTemplate.execute` for a runtime error, with Go's text
 * (`template: line:1:2: executing "line" at <.a.b>: can't evaluate field b in type string`).
 * Loki then keeps the line, sets `__error__=TemplateFormatErr` and puts this text in
 * `__error_details__`.
 */
export class TemplateExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

/**
 * An error returned (or a panic raised) by a template function, before the executor wraps
 * it as `error calling NAME: <message>`. Internal to the template package.
 */
export class GoFuncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoFuncError';
  }
}
