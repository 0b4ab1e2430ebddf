/**
 * Label-key sanitising as Loki's parsers do it (`sanitizeLabelKey` in
 * `pkg/logql/log/util.go`, `appendSanitized` in `parser.go`), plus the legacy label-name
 * check (`model.LabelName.IsValid`).
 */

/** Go's `unicode.IsSpace`, which `strings.TrimSpace` uses (JS `trim` differs: U+FEFF, U+0085). */
export function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function isWordCode(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x30 && c <= 0x39);
}

/**
 * Maps every character that is not `[A-Za-z0-9_]` to `_`, one `_` per code point (Go maps
 * runes; a surrogate pair is one rune). Returns `s` itself when nothing changes.
 */
function mapInvalid(s: string): string {
  let i = 0;
  while (i < s.length && isWordCode(s.charCodeAt(i))) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isWordCode(c)) {
      out += s[i];
    } else {
      out += '_';
      // A high surrogate followed by a low one is one rune: one `_`.
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
    }
    i++;
  }
  return out;
}

/**
 * Loki's `sanitizeLabelKey(key, isPrefix)`: trims Unicode space, prefixes `_` when
 * `isPrefix` and the key starts with a digit, and replaces every character outside
 * `[A-Za-z0-9_]` with `_`. May return the empty string (the parsers then skip the key).
 */
export function sanitizeLabelKey(key: string, isPrefix: boolean): string {
  if (key.length === 0) return key;
  const t = goTrimSpace(key);
  if (t.length === 0) return t;
  const first = t.charCodeAt(0);
  const mapped = mapInvalid(t);
  return isPrefix && first >= 0x30 && first <= 0x39 ? `_${mapped}` : mapped;
}

/**
 * Loki's `appendSanitized(to, key)`, used to build nested json keys: appends the trimmed,
 * mapped key to `to`, with a leading `_` for a digit only when `to` is still empty (so
 * `{"a":{"1":x}}` gives `a_1` but `{"1":{"a":x}}` gives `_1_a`).
 */
export function appendSanitized(to: string, key: string): string {
  const t = goTrimSpace(key);
  if (t.length === 0) return to;
  const first = t.charCodeAt(0);
  const lead = to.length === 0 && first >= 0x30 && first <= 0x39 ? '_' : '';
  return to + lead + mapInvalid(t);
}

/** Prometheus' legacy label-name rule `^[a-zA-Z_][a-zA-Z0-9_]*$` (`model.LabelName.IsValid`). */
export function isValidLabelName(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return false;
  for (let i = 0; i < name.length; i++) if (!isWordCode(name.charCodeAt(i))) return false;
  return true;
}

/** The replacement character U+FFFD, which Prometheus rejects in label values. */
const RUNE_ERROR = '\uFFFD';

/**
 * Loki's `removeInvalidUtf` map: every U+FFFD (an undecodable byte in the original line, or
 * a literal U+FFFD) becomes a space, since Prometheus rejects it in label values.
 */
export function replaceRuneErrors(v: string): string {
  return v.includes(RUNE_ERROR) ? v.replaceAll(RUNE_ERROR, ' ') : v;
}

/** Whether `v` holds U+FFFD. */
export function hasRuneError(v: string): boolean {
  return v.includes(RUNE_ERROR);
}

/** The UTF-8 length of `s.slice(0, end)`, for Loki's byte positions in error texts. */
export function utf8Length(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
