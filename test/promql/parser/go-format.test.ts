// Proves goQuote writes what Go's strconv.Quote writes (the parser's messages quote names
// and values with it): printable characters as they are, ASCII included from space to
// tilde, the rest escaped as Go escapes them.
import { describe, expect, it } from 'vitest';
import { goQuote } from '../../../src/promql/parser/go-format.js';

describe('goQuote', () => {
  it.each([
    ['plain', 'rate', '"rate"'],
    ['every printable ASCII character', ' !#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}~', '" !#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}~"'],
    ['the quote and the backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['named control characters', '\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other control characters and DEL', '\x00\x01\x1f\x7f', '"\\x00\\x01\\x1f\\x7f"'],
    ['printable beyond ASCII', 'é€日🙂', '"é€日🙂"'],
    ['a format character (soft hyphen) and a non-ASCII space', '\u00ad\u00a0', '"\\u00ad\\u00a0"'],
  ])('%s', (_name, input, want) => {
    expect(goQuote(input)).toBe(want);
  });
});
