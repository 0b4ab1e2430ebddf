// The Loki JSON push decoder's loops (src/ingest/loki/decode-json-fast.ts), which these
// mirror byte for byte: unescaping a string (`unescape`) and reading a stream's plain
// entries (`entry`). Most lines of a JSON log push carry escapes (every quote of an access
// log or a JSON line is one), about one every 18 bytes: V8 spends ~50 ns on each, and an
// N-API call per line ~400 ns, so one call reads a stream's entries.
#include "json.h"

#include <cstring>

namespace cairn {

namespace {

// The byte each one-character escape stands for (\" \\ \/ \b \f \n \r \t); 0 for the others.
struct SimpleEscapes {
  uint8_t byte[256] = {};
  constexpr SimpleEscapes() {
    byte['"'] = '"';
    byte['\\'] = '\\';
    byte['/'] = '/';
    byte['b'] = 0x08;
    byte['f'] = 0x0c;
    byte['n'] = 0x0a;
    byte['r'] = 0x0d;
    byte['t'] = 0x09;
  }
  uint8_t operator[](uint8_t c) const { return byte[c]; }
};
constexpr SimpleEscapes kSimpleEscapes;

// Four hex digits at p as a number, or -1.
int hex4(const uint8_t* p) {
  int v = 0;
  for (int k = 0; k < 4; k++) {
    const uint8_t c = p[k];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

size_t writeUtf8(uint8_t* out, size_t o, uint32_t cp) {
  if (cp < 0x80) {
    out[o++] = static_cast<uint8_t>(cp);
  } else if (cp < 0x800) {
    out[o++] = static_cast<uint8_t>(0xc0 | (cp >> 6));
    out[o++] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out[o++] = static_cast<uint8_t>(0xe0 | (cp >> 12));
    out[o++] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f));
    out[o++] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
  } else {
    out[o++] = static_cast<uint8_t>(0xf0 | (cp >> 18));
    out[o++] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3f));
    out[o++] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3f));
    out[o++] = static_cast<uint8_t>(0x80 | (cp & 0x3f));
  }
  return o;
}

}  // namespace

bool jsonUnescape(const uint8_t* in, size_t inLen, size_t ip, uint8_t* out, size_t outLen, size_t op, size_t* inEnd, size_t* outEnd) {
  size_t i = ip;
  size_t o = op;
  for (;;) {
    // A run of plain bytes.
    size_t j = i;
    uint8_t c = 0;
    while (j < inLen && (c = in[j]) >= 0x20 && c != '"' && c != '\\') j++;
    if (j >= inLen || c < 0x20) return false;
    const size_t run = j - i;
    // The run and the longest step after it (4 bytes: a surrogate pair's code point).
    if (outLen - o < run + 4) return false;
    std::memcpy(out + o, in + i, run);
    o += run;
    i = j;
    if (c == '"') break;
    if (inLen - i < 2) return false;
    const uint8_t e = in[i + 1];
    i += 2;
    const uint8_t simple = kSimpleEscapes[e];
    if (simple != 0) {
      out[o++] = simple;
    } else if (e == 'u') {
      if (inLen - i < 4) return false;
      int cp = hex4(in + i);
      if (cp < 0) return false;
      i += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && inLen - i >= 6 && in[i] == '\\' && in[i + 1] == 'u') {
        const int lo = hex4(in + i + 2);
        if (lo < 0) return false;
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
      o = writeUtf8(out, o, static_cast<uint32_t>(cp));
    } else {
      return false;
    }
  }
  *inEnd = i + 1;
  *outEnd = o;
  return true;
}

namespace {

bool isWs(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t skipWs(const uint8_t* in, size_t inLen, size_t p) {
  while (p < inLen && isWs(in[p])) p++;
  return p;
}

// The largest int64 nanosecond time, split as the decoder splits it (ms, ns within the ms).
constexpr int64_t kMaxInt64Ms = 9223372036854LL;
constexpr int64_t kMaxInt64NsInMs = 775807;
constexpr size_t kNsDigits = 6;
constexpr size_t kMaxInt64Digits = 19;

}  // namespace

JsonValuesStop jsonValues(const uint8_t* in, size_t inLen, size_t* ip, uint8_t* side, size_t sideLen, size_t* sideAt, EntryColumnsOut cols, size_t* count) {
  size_t p = *ip;
  size_t n = *count;
  size_t s = *sideAt;
  for (;;) {
    if (n >= cols.capacity) {
      *ip = p;
      *count = n;
      *sideAt = s;
      return kColumnsFull;
    }
    const size_t element = p;
    // Leaves the element at `element` to the caller, with everything before it kept.
    auto forCaller = [&]() {
      *ip = element;
      *count = n;
      *sideAt = s;
      return kEntryForCaller;
    };
    p = skipWs(in, inLen, p);
    if (p >= inLen || in[p] != '[') return forCaller();
    p = skipWs(in, inLen, p + 1);
    if (p >= inLen || in[p] != '"') return forCaller();
    // The timestamp: decimal digits only (anything else is the caller's).
    size_t q = p + 1;
    while (q < inLen && in[q] >= '0' && in[q] <= '9') q++;
    if (q >= inLen || in[q] != '"' || q == p + 1) return forCaller();
    size_t first = p + 1;
    while (first < q - 1 && in[first] == '0') first++;
    if (q - first > kMaxInt64Digits) return forCaller();
    const size_t digits = q - (p + 1);
    const size_t splitAt = digits > kNsDigits ? p + 1 + digits - kNsDigits : p + 1;
    int64_t ms = 0;
    int64_t ns = 0;
    for (size_t k = p + 1; k < q; k++) {
      const int64_t d = in[k] - '0';
      if (k < splitAt) ms = ms * 10 + d;
      else ns = ns * 10 + d;
    }
    if (ms > kMaxInt64Ms || (ms == kMaxInt64Ms && ns > kMaxInt64NsInMs)) return forCaller();
    p = skipWs(in, inLen, q + 1);
    if (p >= inLen || in[p] != ',') return forCaller();
    p = skipWs(in, inLen, p + 1);
    if (p >= inLen || in[p] != '"') return forCaller();
    // The line, unescaped into side.
    const size_t lineStart = s;
    size_t inEnd = 0;
    size_t lineEnd = 0;
    if (!jsonUnescape(in, inLen, p + 1, side, sideLen, s, &inEnd, &lineEnd)) return forCaller();
    s = lineEnd;
    p = inEnd;
    p = skipWs(in, inLen, p);
    // A third element (metadata) is the caller's; the side bytes just written are reused.
    if (p >= inLen || in[p] != ']') {
      s = lineStart;
      return forCaller();
    }
    cols.tMs[n] = static_cast<double>(ms);
    cols.tNs[n] = static_cast<int32_t>(ns);
    cols.start[n] = static_cast<int32_t>(lineStart);
    cols.end[n] = static_cast<int32_t>(lineEnd);
    n++;
    p = skipWs(in, inLen, p + 1);
    if (p < inLen && in[p] == ',') {
      p++;
      continue;
    }
    *count = n;
    *sideAt = s;
    if (p < inLen && in[p] == ']') {
      *ip = p + 1;
      return kValuesEnd;
    }
    *ip = p;
    return kValuesInvalid;
  }
}

}  // namespace cairn
