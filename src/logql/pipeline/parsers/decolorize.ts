/**
 * `| decolorize` (Loki's `Decolorizer`): removes ANSI escape sequences with the pattern
 * Loki takes from github.com/acarl005/stripansi. Go's RE2 and JS agree on this pattern's
 * leftmost-first matches, so the JS regex gives Loki's output.
 */

/**
 * The stripansi pattern: an ESC or CSI (U+009B), optional intermediates, then either an
 * OSC-style run ended by BEL or a parameterised final byte.
 */
const ANSI = /[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~]))/g;

/** Strips ANSI colour and control sequences from a line; returns the line itself when it has none. */
export function decolorize(line: string): string {
  // Most lines have no escape at all: two scans instead of a regex run.
  if (line.indexOf('\u001B') === -1 && line.indexOf('\u009B') === -1) return line;
  return line.replace(ANSI, '');
}
