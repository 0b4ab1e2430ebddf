/**
 * LogQL's `ip("…")` matching (Loki's `pkg/logql/log/ip.go`): a pattern is one address, a
 * CIDR prefix or an `a-b` range, IPv4 or IPv6, parsed with the rules of Go's `net/netip`
 * and go4.org's `netipx`. A text matches when any address found inside it (by Loki's
 * scan: a digit followed by a `.` within three characters starts an IPv4 candidate, a
 * hex digit run followed by `:` an IPv6 one) falls in the pattern.
 */

/** A parsed address: the family, its 32- or 128-bit value, and an IPv6 zone ('' when none). */
interface Addr {
  readonly v6: boolean;
  readonly value: bigint;
  readonly zone: string;
}

/** The three pattern shapes; all compare within one family only, as netip does. */
type IPMatcher =
  | { readonly kind: 'addr'; readonly addr: Addr }
  | { readonly kind: 'prefix'; readonly addr: Addr; readonly bits: number }
  | { readonly kind: 'range'; readonly from: Addr; readonly to: Addr };

/** netip's IPv4 form: four decimal fields of 0–255 without leading zeros. */
function parseIPv4Value(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^\d+$/.test(p)) return undefined;
    if (p.length > 1 && p[0] === '0') return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** netip's IPv6 form: up to eight hex groups, one `::`, an optional trailing IPv4 part. */
function parseIPv6Value(s: string): bigint | undefined {
  const groups: number[] = [];
  let ellipsis = -1;
  let i = 0;
  if (s.startsWith('::')) {
    ellipsis = 0;
    i = 2;
    if (i === s.length) return 0n;
  }
  while (i < s.length) {
    let j = i;
    while (j < s.length && j - i < 5 && /[0-9a-fA-F]/.test(s[j]!)) j++;
    if (j === i || j - i > 4) return undefined;
    if (j < s.length && s[j] === '.') {
      // An embedded IPv4 address ends the text and fills the last two groups.
      if (ellipsis < 0 && groups.length !== 6) return undefined;
      if (groups.length > 6) return undefined;
      const v4 = parseIPv4Value(s.slice(i));
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      i = s.length;
      break;
    }
    groups.push(parseInt(s.slice(i, j), 16));
    i = j;
    if (i === s.length) break;
    if (s[i] !== ':') return undefined;
    i++;
    if (s[i] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = groups.length;
      i++;
      if (i === s.length) break;
    } else if (i === s.length) {
      return undefined;
    }
    if (groups.length >= 8) return undefined;
  }
  if (groups.length > 8) return undefined;
  if (groups.length < 8) {
    if (ellipsis < 0) return undefined;
    groups.splice(ellipsis, 0, ...new Array<number>(8 - groups.length).fill(0));
  } else if (ellipsis >= 0) {
    return undefined; // `::` must stand for at least one group of zeros
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** Go's `netip.ParseAddr`. */
function parseAddr(s: string): Addr | undefined {
  if (s.includes(':')) {
    let zone = '';
    const pct = s.indexOf('%');
    let text = s;
    if (pct >= 0) {
      zone = s.slice(pct + 1);
      if (zone === '') return undefined;
      text = s.slice(0, pct);
    }
    const value = parseIPv6Value(text);
    return value === undefined ? undefined : { v6: true, value, zone };
  }
  if (s.includes('.')) {
    const value = parseIPv4Value(s);
    return value === undefined ? undefined : { v6: false, value, zone: '' };
  }
  return undefined;
}

/** Go's `netip.ParsePrefix`: `addr/bits`, no zone, bits in decimal without leading zeros. */
function parsePrefix(s: string): IPMatcher | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  if (addr === undefined || addr.zone !== '') return undefined;
  const bitsText = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > (addr.v6 ? 128 : 32)) return undefined;
  return { kind: 'prefix', addr, bits };
}

/** netipx's `ParseIPRange`: `from-to`, one family, no zones, from ≤ to. */
function parseRange(s: string): IPMatcher | undefined {
  const dash = s.indexOf('-');
  if (dash < 0) return undefined;
  const from = parseAddr(s.slice(0, dash));
  const to = parseAddr(s.slice(dash + 1));
  if (from === undefined || to === undefined) return undefined;
  if (from.v6 !== to.v6 || from.zone !== '' || to.zone !== '' || to.value < from.value) return undefined;
  return { kind: 'range', from, to };
}

/** The pattern of `ip("…")`, or Loki's error text (`ip: invalid pattern: "x"`). */
function parseIPPattern(pattern: string): IPMatcher | { error: string } {
  const addr = parseAddr(pattern);
  if (addr !== undefined) return { kind: 'addr', addr };
  const prefix = parsePrefix(pattern);
  if (prefix !== undefined) return prefix;
  const range = parseRange(pattern);
  if (range !== undefined) return range;
  return { error: `ip: invalid pattern: ${JSON.stringify(pattern)}` };
}

function contains(m: IPMatcher, ip: Addr): boolean {
  switch (m.kind) {
    case 'addr':
      return m.addr.v6 === ip.v6 && m.addr.value === ip.value && m.addr.zone === ip.zone;
    case 'prefix': {
      if (m.addr.v6 !== ip.v6 || ip.zone !== '') return false;
      const shift = BigInt((m.addr.v6 ? 128 : 32) - m.bits);
      return m.addr.value >> shift === ip.value >> shift;
    }
    case 'range':
      return m.from.v6 === ip.v6 && ip.zone === '' && ip.value >= m.from.value && ip.value <= m.to.value;
  }
}

const IPV4_CHARS = /[0-9.]/;
const IPV6_CHARS = /[0-9a-fA-F:.]/;

function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function isHexAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Loki's IPv4 start hint: a digit, and a `.` in one of the next three characters. */
function ipv4Hint(s: string, i: number): boolean {
  return isDigitAt(s, i) && (s[i + 1] === '.' || s[i + 2] === '.' || s[i + 3] === '.');
}

/** Loki's IPv6 start hint: `::h`, or one to four hex digits then `:`. */
function ipv6Hint(s: string, i: number): boolean {
  if (s[i] === ':' && s[i + 1] === ':' && isHexAt(s, i + 2)) return true;
  let n = 0;
  while (n < 4 && isHexAt(s, i + n)) n++;
  return n >= 1 && s[i + n] === ':';
}

function span(s: string, from: number, chars: RegExp): number {
  let i = from;
  while (i < s.length && chars.test(s[i]!)) i++;
  return i - from;
}

/**
 * A test of texts for addresses inside the pattern, or the error text for a pattern that
 * is none of the three shapes. The scan copies Loki's, including its skipping: after a
 * candidate that is not in the pattern it resumes one character past the candidate.
 */
export function compileIPMatcher(pattern: string): ((text: string) => boolean) | { error: string } {
  const m = parseIPPattern(pattern);
  if ('error' in m) return m;
  return (text) => {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      let chars: RegExp | undefined;
      if (i + 3 < n && ipv4Hint(text, i)) chars = IPV4_CHARS;
      else if (i + 4 < n && ipv6Hint(text, i)) chars = IPV6_CHARS;
      if (chars === undefined) continue;
      const len = span(text, i, chars);
      const ip = parseAddr(text.slice(i, i + len));
      if (ip !== undefined && contains(m, ip)) return true;
      i += len;
    }
    return false;
  };
}
