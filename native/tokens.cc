// The native twin of line-tokens.ts untokenizeChunkJs: same checks, same output; a
// property test compares them on random chunks.
#include "tokens.h"

#include <algorithm>
#include <cstring>
#include <memory>

namespace cairn {
namespace {

constexpr uint8_t kEsc = 0xff;
constexpr uint8_t kLiteral = 0, kHexLower = 1, kHexUpper = 2, kTime = 3;
// Timestamp layouts (line-tokens.ts TS_*): bits 0–2 of a format byte; bit 3 a comma.
constexpr int kIsoT = 0, kIsoSpace = 1, kClf = 2, kGo = 3, kKlog = 4, kSyslog = 5, kLayout = 7, kComma = 8;
constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kPow10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
const char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
const char kLower[] = "0123456789abcdef";
const char kUpper[] = "0123456789ABCDEF";

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  // An unsigned varint of up to 8 bytes (chunk-format.ts's).
  uint64_t uvarint() {
    uint64_t r = 0;
    for (int i = 0, shift = 0; i < 8; i++, shift += 7) {
      if (p >= end) break;
      uint8_t b = *p++;
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return r;
    }
    ok = false;
    return 0;
  }
};

uint8_t* putUvarint(uint8_t* o, uint64_t v) {
  while (v >= 0x80) {
    *o++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *o++ = static_cast<uint8_t>(v);
  return o;
}

// "00" to "99": two digits by one copy (printing is most of untokenizing's time).
struct Pairs {
  char p[200];
  Pairs() {
    for (int i = 0; i < 100; i++) p[2 * i] = static_cast<char>('0' + i / 10), p[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
};
const Pairs kPairs;

inline void put2(uint8_t* o, int64_t v) { std::memcpy(o, kPairs.p + 2 * v, 2); }

// The civil date of the last day printed: consecutive lines are mostly on the same day.
struct DateCache {
  int64_t days = INT64_MIN;
  int64_t y = 0, m = 0, d = 0;
};

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Howard Hinnant's civil_from_days: the date of a day count since 1970-01-01 (month 1–12).
void civilFromDays(int64_t days, int64_t* y, int64_t* m, int64_t* d) {
  int64_t z = days + 719468;
  int64_t era = floorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int stampChars(int format) {
  int layout = format & kLayout, digits = format >> 4;
  if (layout == kClf) return 20;
  if (layout == kSyslog) return 15;
  return (layout == kKlog ? 13 : 19) + (digits > 0 ? digits + 1 : 0);
}

bool validFormat(int format) {
  int layout = format & kLayout, digits = format >> 4;
  return layout <= kSyslog && digits <= 9 && ((layout != kClf && layout != kSyslog) || digits == 0);
}

inline void putClock(uint8_t* o, int64_t h, int64_t mi, int64_t s) {
  put2(o, h);
  o[2] = ':';
  put2(o + 3, mi);
  o[5] = ':';
  put2(o + 6, s);
}

// Prints the timestamp of `format` at `sec` + `frac` (10^-digits s); false for a year
// outside 1970–9999.
bool printStamp(uint8_t* o, int format, int64_t sec, int64_t frac, DateCache& date) {
  int64_t days = floorDiv(sec, 86400);
  int64_t sod = sec - days * 86400;
  if (days != date.days) {
    civilFromDays(days, &date.y, &date.m, &date.d);
    date.days = days;
  }
  const int64_t y = date.y, m = date.m, d = date.d;
  if (y < 1970 || y > 9999) return false;
  int64_t h = sod / 3600, mi = (sod % 3600) / 60, s = sod % 60;
  int layout = format & kLayout;
  if (layout == kClf) {
    put2(o, d);
    o[2] = '/';
    std::memcpy(o + 3, kMonths + (m - 1) * 3, 3);
    o[6] = '/';
    put2(o + 7, y / 100);
    put2(o + 9, y % 100);
    o[11] = ':';
    putClock(o + 12, h, mi, s);
    return true;
  }
  if (layout == kSyslog) {
    std::memcpy(o, kMonths + (m - 1) * 3, 3);
    o[3] = ' ';
    put2(o + 4, d);
    if (d < 10) o[4] = ' ';
    o[6] = ' ';
    putClock(o + 7, h, mi, s);
    return true;
  }
  int at;
  if (layout == kKlog) {
    put2(o, m);
    put2(o + 2, d);
    o[4] = ' ';
    putClock(o + 5, h, mi, s);
    at = 13;
  } else {
    uint8_t sep = layout == kGo ? '/' : '-';
    put2(o, y / 100);
    put2(o + 2, y % 100);
    o[4] = sep;
    put2(o + 5, m);
    o[7] = sep;
    put2(o + 8, d);
    o[10] = layout == kIsoT ? 'T' : ' ';
    putClock(o + 11, h, mi, s);
    at = 19;
  }
  int digits = format >> 4;
  if (digits > 0) {
    o[at] = (format & kComma) != 0 ? ',' : '.';
    int k = digits;
    for (; k >= 2; k -= 2) {
      put2(o + at + k - 1, frac % 100);
      frac /= 100;
    }
    if (k == 1) o[at + 1] = static_cast<uint8_t>('0' + frac % 10);
  }
  return true;
}

// A cursor over the untokenized chunk's time and length columns (chunk-format.ts layout),
// giving each line's end and its entry's time.
struct Entries {
  Reader times;
  Reader lengths;
  bool split;
  int64_t left;
  int64_t tMs, tNs;
  size_t end;  // the current line's end in out
  bool next() {
    if (left == 0) return false;
    left--;
    if (split) {
      tMs += static_cast<int64_t>(times.uvarint());
      tNs = static_cast<int64_t>(times.uvarint());
      if (tNs >= kNsPerMs) times.ok = false;
    } else {
      int64_t total = tNs + static_cast<int64_t>(times.uvarint());
      tMs += total / kNsPerMs;
      tNs = total % kNsPerMs;
    }
    end += lengths.uvarint();
    return times.ok && lengths.ok;
  }
};

}  // namespace

int64_t untokenizeChunk(const uint8_t* src, size_t n, uint8_t* out, size_t outLen, bool lines, const char** error) {
  auto bad = [error](const char* why) {
    *error = why;
    return kTokensCorrupt;
  };
  if (n == 0) return bad("empty");
  if (src[0] == 0) {
    if (outLen < n - 1) return -static_cast<int64_t>(n - 1);
    std::memcpy(out, src + 1, n - 1);
    return static_cast<int64_t>(n - 1);
  }
  if (src[0] != 1) return bad("unknown mode");
  Reader r{src + 1, src + n};
  uint64_t textBytes = r.uvarint();
  uint64_t idBytes = r.uvarint();
  if (!r.ok || r.p >= r.end) return bad("no prefix");
  int exp = *r.p++;
  if (exp > 9 || exp % 3 != 0) return bad("time unit");
  const uint8_t* cols = r.p;
  if (textBytes > n || idBytes > n || textBytes + idBytes > static_cast<uint64_t>(src + n - cols)) return bad("parts longer than the data");
  const uint8_t* textAt = src + n - textBytes - idBytes;
  // The header, verbatim.
  if (textAt - cols < 2) return bad("no chunk header");
  Reader h{cols + 2, textAt};
  uint64_t entries = h.uvarint();
  uint64_t minTMs = h.uvarint();
  uint64_t minTNs = h.uvarint();
  h.uvarint();
  h.uvarint();
  uint64_t lineBytes = h.uvarint();
  uint64_t timeBytes = h.uvarint();
  uint64_t lengthBytes = h.uvarint();
  uint64_t metaBytes = h.uvarint();
  const uint64_t limit = uint64_t(1) << 40;
  if (!h.ok || entries == 0 || minTNs >= static_cast<uint64_t>(kNsPerMs) || minTMs >= (uint64_t(1) << 52) || lineBytes > limit || timeBytes > limit || lengthBytes > limit || metaBytes > limit) return bad("chunk header");
  // As line-tokens.ts headerAt: sizes the parts could not hold are refused up front.
  if (entries > lengthBytes || lengthBytes + metaBytes + entries > static_cast<uint64_t>(textAt - h.p) || lineBytes > textBytes * 170) return bad("chunk header does not fit its parts");
  bool split = (cols[1] & 2) != 0;
  size_t headerBytes = h.p - cols;
  uint64_t total = headerBytes + timeBytes + lengthBytes + metaBytes + lineBytes;
  if (total > outLen) return -static_cast<int64_t>(total);
  std::memcpy(out, cols, headerBytes);
  uint8_t* o = out + headerBytes;
  // Times, multiplied back to ns deltas.
  if (lengthBytes + metaBytes > static_cast<uint64_t>(textAt - h.p)) return bad("columns shorter than the header says");
  const uint8_t* timesEnd = textAt - lengthBytes - metaBytes;
  if (split || exp == 0) {
    if (static_cast<uint64_t>(timesEnd - h.p) != timeBytes) return bad("time section does not match the header");
    std::memcpy(o, h.p, timeBytes);
    o += timeBytes;
  } else {
    Reader t{h.p, timesEnd};
    uint8_t* const timesOutEnd = o + timeBytes;
    for (uint64_t k = 0; k < entries; k++) {
      uint64_t d = t.uvarint();
      if (!t.ok || d >= (uint64_t(1) << 53) / static_cast<uint64_t>(kPow10[exp])) return bad("time delta");
      if (timesOutEnd - o < 8) {
        uint8_t tmp[10];
        uint8_t* e = putUvarint(tmp, d * kPow10[exp]);
        if (e - tmp > timesOutEnd - o) return bad("time section does not match the header");
        std::memcpy(o, tmp, e - tmp);
        o += e - tmp;
      } else {
        o = putUvarint(o, d * kPow10[exp]);
      }
    }
    if (t.p != timesEnd || o != timesOutEnd) return bad("time section does not match the header");
  }
  // Lengths and metadata, verbatim.
  std::memcpy(o, timesEnd, lengthBytes + metaBytes);
  o += lengthBytes + metaBytes;
  uint8_t* const linesAt = o;
  uint8_t* const linesEnd = out + total;
  // Lines.
  Entries e{Reader{out + headerBytes, out + headerBytes + timeBytes}, Reader{out + headerBytes + timeBytes, out + headerBytes + timeBytes + lengthBytes}, split, static_cast<int64_t>(entries), static_cast<int64_t>(minTMs), static_cast<int64_t>(minTNs), static_cast<size_t>(linesAt - out)};
  if (!lines) {
    while (e.next()) {
    }
    if (!e.times.ok || !e.lengths.ok || e.end != total || e.times.p != e.times.end || e.lengths.p != e.lengths.end) return bad("line lengths do not add up to the header's");
    return static_cast<int64_t>(total);
  }
  bool onEntry = false;
  DateCache date;
  const uint8_t* t = textAt;
  const uint8_t* const textEnd = textAt + textBytes;
  const uint8_t* id = textEnd;
  const uint8_t* const idEnd = src + n;
  while (t < textEnd) {
    const uint8_t* esc = static_cast<const uint8_t*>(std::memchr(t, kEsc, textEnd - t));
    if (esc == nullptr) esc = textEnd;
    if (esc > t) {
      if (esc - t > linesEnd - o) return bad("text longer than the lines");
      std::memcpy(o, t, esc - t);
      o += esc - t;
      t = esc;
      if (t == textEnd) break;
    }
    if (textEnd - t < 2) return bad("escape at the end of the text");
    uint8_t kind = t[1];
    t += 2;
    if (kind == kLiteral) {
      if (o >= linesEnd) return bad("text longer than the lines");
      *o++ = kEsc;
      continue;
    }
    if (kind == kHexLower || kind == kHexUpper) {
      if (t >= textEnd) return bad("hex token without a length");
      size_t bytes = *t++;
      if (bytes > static_cast<size_t>(idEnd - id)) return bad("hex token past the ids");
      if (bytes * 2 > static_cast<size_t>(linesEnd - o)) return bad("text longer than the lines");
      const char* alphabet = kind == kHexLower ? kLower : kUpper;
      for (size_t j = 0; j < bytes; j++) {
        uint8_t v = *id++;
        *o++ = alphabet[v >> 4];
        *o++ = alphabet[v & 15];
      }
      continue;
    }
    if (kind != kTime || t >= textEnd) return bad("token kind");
    int format = *t++;
    int digits = format >> 4;
    if (!validFormat(format)) return bad("timestamp format");
    Reader zr{t, textEnd};
    uint64_t zz = zr.uvarint();
    if (!zr.ok || zz >= (uint64_t(1) << 62)) return bad("timestamp delta");
    t = zr.p;
    int64_t delta = (zz & 1) == 0 ? static_cast<int64_t>(zz >> 1) : -static_cast<int64_t>(zz >> 1) - 1;
    size_t at = static_cast<size_t>(o - out);
    while (!onEntry || at >= e.end) {
      if (!e.next()) return bad("timestamp token after the last line");
      onEntry = true;
    }
    int64_t sec = e.tMs / 1000;
    int64_t nanos = (e.tMs % 1000) * kNsPerMs + e.tNs;
    int64_t p = kPow10[digits];
    int64_t frac = nanos / kPow10[9 - digits] + delta;
    int64_t q = floorDiv(frac, p);
    if (stampChars(format) > linesEnd - o) return bad("text longer than the lines");
    if (!printStamp(o, format, sec + q, frac - q * p, date)) return bad("timestamp out of range");
    o += stampChars(format);
  }
  if (o != linesEnd || id != idEnd) return bad("text and ids do not make the header's lines");
  // The length column must add up to the lines (the JS twin checks it up front).
  while (e.next()) {
  }
  if (!e.times.ok || !e.lengths.ok || e.end != total || e.times.p != e.times.end || e.lengths.p != e.lengths.end) return bad("line lengths do not add up to the header's");
  return static_cast<int64_t>(total);
}

}  // namespace cairn

namespace cairn {
namespace {

// Character classes as line-tokens.ts CLASS: 1 digit, 2 lower-case hex letter, 4 upper-case
// hex letter, 8 other letter.
struct Classes {
  uint8_t c[256] = {};
  uint8_t nibble[256] = {};
  Classes() {
    for (int i = '0'; i <= '9'; i++) c[i] = 1, nibble[i] = static_cast<uint8_t>(i - '0');
    for (int i = 'a'; i <= 'z'; i++) c[i] = i <= 'f' ? 2 : 8;
    for (int i = 'A'; i <= 'Z'; i++) c[i] = i <= 'F' ? 4 : 8;
    for (int i = 0; i < 6; i++) nibble['a' + i] = nibble['A' + i] = static_cast<uint8_t>(10 + i);
  }
};
const Classes kClass;

constexpr int kMinHex = 8, kMaxHex = 510;
inline bool kKlogLevel(uint8_t c) { return c == 'I' || c == 'W' || c == 'E' || c == 'F'; }
constexpr int64_t kMaxTimeGapS = 4000000;

inline int d2(const uint8_t* b) {
  int x = b[0] - '0', y = b[1] - '0';
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  int64_t era = floorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

bool validDate(int y, int m, int d) {
  static const int kDays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  return m != 2 || d != 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

struct Stamp {
  size_t end;
  int format;
  int64_t sec;
  int64_t frac;
};

// The month (1–12) whose English three-letter name is at b, or -1.
int monthAt(const uint8_t* b) {
  for (int k = 0; k < 12; k++) {
    if (std::memcmp(kMonths + 3 * k, b, 3) == 0) return k + 1;
  }
  return -1;
}

// line-tokens.ts nearestYear.
int nearestYear(int64_t entrySec, int mo, int d, int64_t secOfDay) {
  int64_t ye, em, ed;
  civilFromDays(floorDiv(entrySec, 86400), &ye, &em, &ed);
  int best = -1;
  int64_t bestGap = INT64_MAX;
  for (int64_t y = ye - 1; y <= ye + 1; y++) {
    if (y < -1000000 || y > 1000000 || !validDate(static_cast<int>(y), mo, d)) continue;
    int64_t gap = daysFromCivil(y, mo, d) * 86400 + secOfDay - entrySec;
    if (gap < 0) gap = -gap;
    if (gap < bestGap) {
      best = static_cast<int>(y);
      bestGap = gap;
    }
  }
  return best;
}

// line-tokens.ts parseStamp.
bool parseStamp(const uint8_t* b, size_t i, size_t from, size_t end, int64_t entrySec, Stamp* st) {
  int y = -1, mo, d, h, mi, s, format;
  size_t p;
  uint8_t sep = i + 4 < end ? b[i + 4] : 0;
  if (i + 19 <= end && (sep == '-' || sep == '/') && b[i + 7] == sep && (sep == '-' ? b[i + 10] == 'T' || b[i + 10] == ' ' : b[i + 10] == ' ') && b[i + 13] == ':' && b[i + 16] == ':') {
    int y1 = d2(b + i), y2 = d2(b + i + 2);
    y = y1 < 0 || y2 < 0 ? -1 : y1 * 100 + y2;
    mo = d2(b + i + 5);
    d = d2(b + i + 8);
    h = d2(b + i + 11);
    mi = d2(b + i + 14);
    s = d2(b + i + 17);
    p = i + 19;
    format = sep == '/' ? kGo : b[i + 10] == 'T' ? kIsoT : kIsoSpace;
  } else if (i + 20 <= end && b[i + 2] == '/' && b[i + 6] == '/' && b[i + 11] == ':' && b[i + 14] == ':' && b[i + 17] == ':') {
    d = d2(b + i);
    mo = monthAt(b + i + 3);
    int y1 = d2(b + i + 7), y2 = d2(b + i + 9);
    y = y1 < 0 || y2 < 0 ? -1 : y1 * 100 + y2;
    h = d2(b + i + 12);
    mi = d2(b + i + 15);
    s = d2(b + i + 18);
    p = i + 20;
    format = kClf;
  } else if (i == from + 1 && kKlogLevel(b[from]) && i + 13 <= end && b[i + 4] == ' ' && b[i + 7] == ':' && b[i + 10] == ':') {
    mo = d2(b + i);
    d = d2(b + i + 2);
    h = d2(b + i + 5);
    mi = d2(b + i + 8);
    s = d2(b + i + 11);
    p = i + 13;
    format = kKlog;
  } else if (i + 15 <= end && b[i + 3] == ' ' && b[i + 6] == ' ' && b[i + 9] == ':' && b[i + 12] == ':') {
    mo = monthAt(b + i);
    // "_2": a day below 10 is space-padded, as the printer writes it.
    int last = b[i + 5] - '0';
    if (b[i + 4] == ' ') {
      d = last >= 1 && last <= 9 ? last : -1;
    } else {
      d = d2(b + i + 4);
      if (d < 10) d = -1;
    }
    h = d2(b + i + 7);
    mi = d2(b + i + 10);
    s = d2(b + i + 13);
    p = i + 15;
    format = kSyslog;
  } else {
    return false;
  }
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || mo < 1 || d < 1) return false;
  if (format == kKlog || format == kSyslog) y = nearestYear(entrySec, mo, d, h * 3600 + mi * 60 + s);
  if (y < 1970 || y > 9999 || !validDate(y, mo, d)) return false;
  int64_t frac = 0;
  int digits = 0;
  if (format != kClf && format != kSyslog && p + 1 < end && (b[p] == '.' || b[p] == ',') && kClass.c[b[p + 1]] == 1) {
    if (b[p] == ',') format |= kComma;
    p++;
    while (p < end && digits < 9 && kClass.c[b[p]] == 1) {
      frac = frac * 10 + (b[p] - '0');
      p++;
      digits++;
    }
  }
  st->end = p;
  st->format = format | (digits << 4);
  st->sec = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  st->frac = frac;
  return true;
}

struct Out {
  uint8_t* p;
  void bytes(const uint8_t* from, const uint8_t* to) {
    if (to > from) {
      std::memcpy(p, from, to - from);
      p += to - from;
    }
  }
};

// line-tokens.ts tokenizeLine: writes b[from, to) into text, hex runs into ids.
void tokenizeLine(const uint8_t* b, size_t from, size_t to, int64_t sec, int64_t nanos, Out& text, Out& ids) {
  size_t lit = from, i = from;
  Stamp st;
  while (i < to) {
    uint8_t c = b[i];
    if (c == kEsc) {
      text.bytes(b + lit, b + i);
      *text.p++ = kEsc;
      *text.p++ = kLiteral;
      lit = ++i;
      continue;
    }
    uint8_t cls = kClass.c[c];
    if (cls == 0) {
      i++;
      continue;
    }
    bool wordStart = i == from || kClass.c[b[i - 1]] == 0 || (b[i - 1] == 'x' && i >= from + 2 && b[i - 2] == '0');
    bool maybeStamp = wordStart ? cls == 1 || (c >= 'A' && c <= 'Z' && i + 3 < to && b[i + 3] == ' ') : cls == 1 && i == from + 1;
    if (maybeStamp && parseStamp(b, i, from, to, sec, &st)) {
      int digits = st.format >> 4;
      int64_t gap = st.sec - sec;
      if (gap <= kMaxTimeGapS && gap >= -kMaxTimeGapS) {
        int64_t delta = gap * kPow10[digits] + (st.frac - nanos / kPow10[9 - digits]);
        text.bytes(b + lit, b + i);
        *text.p++ = kEsc;
        *text.p++ = kTime;
        *text.p++ = static_cast<uint8_t>(st.format);
        text.p = putUvarint(text.p, delta >= 0 ? static_cast<uint64_t>(delta) * 2 : static_cast<uint64_t>(-delta) * 2 - 1);
        lit = i = st.end;
        continue;
      }
    }
    if (!wordStart || (cls & 7) == 0) {
      i++;
      continue;
    }
    size_t lower = i;
    while (lower < to && (kClass.c[b[lower]] & 3) != 0) lower++;
    size_t upper = i;
    while (upper < to && (kClass.c[b[upper]] & 5) != 0) upper++;
    bool isUpper = upper > lower;
    size_t runEnd = isUpper ? upper : lower;
    if (runEnd - i < static_cast<size_t>(kMinHex)) {
      i++;  // not past the run: klog's date follows its level letter (E, F) inside one
      continue;
    }
    text.bytes(b + lit, b + i);
    while (runEnd - i >= static_cast<size_t>(kMinHex)) {
      size_t chars = std::min(static_cast<size_t>(kMaxHex), (runEnd - i) & ~static_cast<size_t>(1));
      *text.p++ = kEsc;
      *text.p++ = isUpper ? kHexUpper : kHexLower;
      *text.p++ = static_cast<uint8_t>(chars >> 1);
      for (size_t k = i; k < i + chars; k += 2) *ids.p++ = static_cast<uint8_t>((kClass.nibble[b[k]] << 4) | kClass.nibble[b[k + 1]]);
      i += chars;
    }
    lit = i;
    i = runEnd;
  }
  text.bytes(b + lit, b + to);
}

}  // namespace

size_t tokenizeChunk(const uint8_t* raw, size_t n, uint8_t* out) {
  // chunk-format.ts readChunkHeader's checks.
  if (n < 12 || raw[0] != 1 || (raw[1] & ~3) != 0) return 0;
  Reader h{raw + 2, raw + n};
  uint64_t entries = h.uvarint();
  uint64_t minTMs = h.uvarint();
  uint64_t minTNs = h.uvarint();
  h.uvarint();
  uint64_t maxTNs = h.uvarint();
  uint64_t lineBytes = h.uvarint();
  uint64_t timeBytes = h.uvarint();
  uint64_t lengthBytes = h.uvarint();
  uint64_t metaBytes = h.uvarint();
  if (!h.ok || entries == 0 || minTNs >= static_cast<uint64_t>(kNsPerMs) || maxTNs >= static_cast<uint64_t>(kNsPerMs) || minTMs >= (uint64_t(1) << 52)) return 0;
  const size_t timeStart = h.p - raw;
  if (timeBytes > n || lengthBytes > n || metaBytes > n || lineBytes > n || timeStart + timeBytes + lengthBytes + metaBytes + lineBytes != n) return 0;
  if ((raw[1] & 1) == 0 && metaBytes != 0) return 0;
  const size_t lengthStart = timeStart + timeBytes, metaStart = lengthStart + lengthBytes, lineStart = metaStart + metaBytes;
  const bool split = (raw[1] & 2) != 0;
  // Entry times, and the largest power of 1000 dividing every delta.
  Reader t{raw + timeStart, raw + lengthStart};
  Reader l{raw + lengthStart, raw + metaStart};
  int exp = split ? 0 : 9;
  for (uint64_t k = 0; k < entries && t.ok; k++) {
    if (split) {
      t.uvarint();
      t.uvarint();
    } else {
      uint64_t d = t.uvarint();
      while (exp > 0 && d % static_cast<uint64_t>(kPow10[exp]) != 0) exp -= 3;
    }
  }
  if (!t.ok || t.p != t.end) return 0;
  // Text and ids go after room for the columns; the columns are written last, in front.
  uint8_t* const textAt = out + lineStart + 32;
  Out text{textAt};
  std::unique_ptr<uint8_t[]> idBuf(new uint8_t[lineBytes / 2 + 1]);
  Out ids{idBuf.get()};
  t = Reader{raw + timeStart, raw + lengthStart};
  int64_t tMs = static_cast<int64_t>(minTMs), tNs = static_cast<int64_t>(minTNs);
  size_t at = lineStart;
  for (uint64_t k = 0; k < entries; k++) {
    if (split) {
      tMs += static_cast<int64_t>(t.uvarint());
      tNs = static_cast<int64_t>(t.uvarint());
      if (tNs >= kNsPerMs) return 0;
    } else {
      int64_t total = tNs + static_cast<int64_t>(t.uvarint());
      tMs += total / kNsPerMs;
      tNs = total % kNsPerMs;
    }
    uint64_t len = l.uvarint();
    if (!l.ok || len > n - at) return 0;
    int64_t sec = tMs / 1000;
    tokenizeLine(raw, at, at + len, sec, (tMs % 1000) * kNsPerMs + tNs, text, ids);
    at += len;
  }
  if (at != n || l.p != l.end) return 0;
  const size_t textBytes = text.p - textAt, idBytes = ids.p - idBuf.get();
  // The columns.
  uint8_t* o = out;
  *o++ = 1;
  o = putUvarint(o, textBytes);
  o = putUvarint(o, idBytes);
  *o++ = static_cast<uint8_t>(exp);
  std::memcpy(o, raw, timeStart);
  o += timeStart;
  if (split || exp == 0) {
    std::memcpy(o, raw + timeStart, timeBytes);
    o += timeBytes;
  } else {
    t = Reader{raw + timeStart, raw + lengthStart};
    for (uint64_t k = 0; k < entries; k++) o = putUvarint(o, t.uvarint() / static_cast<uint64_t>(kPow10[exp]));
  }
  std::memcpy(o, raw + lengthStart, lengthBytes + metaBytes);
  o += lengthBytes + metaBytes;
  std::memmove(o, textAt, textBytes);
  o += textBytes;
  std::memcpy(o, idBuf.get(), idBytes);
  return static_cast<size_t>(o + idBytes - out);
}

}  // namespace cairn
