// The fast loop of XorIterator.readInto (src/tsdb/chunkenc/xor.ts), sample for sample the
// same decisions: every query reads its samples through it, and V8 runs the bit twiddling
// at 15-20 ns a sample where C++ takes a few. The JavaScript loop stays for builds without
// the addon; a property test runs both over valid, cut and random chunks.
#include "xor.h"

#include <cstring>

namespace cairn {
namespace {

constexpr int64_t kMaxSafe = 9007199254740991;  // Number.MAX_SAFE_INTEGER
constexpr int32_t kDod14Max = 1 << 13;
constexpr int32_t kDod17Max = 1 << 16;
constexpr int32_t kDod20Max = 1 << 19;
constexpr uint32_t kStaleHi = 0x7ff00000;  // Prometheus's stale NaN, 0x7ff0000000000002
constexpr uint32_t kStaleLo = 0x00000002;

// The 32 bits from bit `pos` (big-endian bit order), zeros past endByte: bstream.ts peek32.
inline uint32_t peek32(const uint8_t* buf, size_t endByte, uint64_t pos) {
  const size_t i = pos >> 3;
  const unsigned off = pos & 7;
  uint64_t w = 0;
  if (i + 8 <= endByte) {
    uint64_t x;
    std::memcpy(&x, buf + i, 8);
    w = __builtin_bswap64(x);
  } else {
    for (size_t k = 0; k < 8; k++) w = (w << 8) | (i + k < endByte ? buf[i + k] : 0);
  }
  return static_cast<uint32_t>((w << off) >> 32);
}

}  // namespace

XorStop xorReadFast(const uint8_t* buf, size_t endByte, uint64_t endBit, XorState& s, double mint, double maxt, bool skipStale, double* outT, double* outV, size_t* n,
                    size_t cap) {
  uint64_t pos = s.pos;
  uint32_t num = s.num;
  int64_t t = s.t;
  int64_t delta = s.delta;
  uint32_t vHi = s.vHi, vLo = s.vLo;
  uint32_t leading = s.leading, trailing = s.trailing, hiMask = s.hiMask, loMask = s.loMask;
  bool windowSet = s.windowSet;
  size_t k = *n;
  XorStop stop = XorStop::Slow;
  while (num >= 2 && num < s.numTotal) {
    if (k == cap) {
      stop = XorStop::Full;
      break;
    }
    const uint32_t w = peek32(buf, endByte, pos);
    int64_t d = delta;
    uint64_t p = pos;
    uint32_t h;
    if ((w & 0x80000000u) == 0) {
      p += 1;
      h = w << 1;
    } else if ((w & 0x40000000u) == 0) {
      const int32_t dod = (w >> 16) & 0x3fff;
      d += dod > kDod14Max ? dod - (1 << 14) : dod;
      p += 16;
      h = w << 16;
    } else if ((w & 0x20000000u) == 0) {
      const int32_t dod = (w >> 12) & 0x1ffff;
      d += dod > kDod17Max ? dod - (1 << 17) : dod;
      p += 20;
      h = w << 20;
    } else if ((w & 0x10000000u) == 0) {
      const int32_t dod = (w >> 8) & 0xfffff;
      d += dod > kDod20Max ? dod - (1 << 20) : dod;
      p += 24;
      h = w << 24;
    } else {
      break;  // a 64-bit delta of delta: the general decoder
    }
    const int64_t nt = t + d;
    if (d > kMaxSafe || d < -kMaxSafe || nt > kMaxSafe || nt < -kMaxSafe) break;
    uint32_t nHi = vHi, nLo = vLo;
    if ((h & 0x80000000u) == 0) {
      p += 1;  // '0': the value repeats
    } else {
      uint32_t lead = leading, trail = trailing, hm = hiMask, lm = loMask;
      if ((h & 0x40000000u) == 0) {
        p += 2;  // '10': the current window
      } else {
        const uint32_t w2 = peek32(buf, endByte, p);
        lead = (w2 >> 25) & 0x1f;
        uint32_t sig = (w2 >> 19) & 0x3f;
        if (sig == 0) sig = 64;
        if (lead + sig > 64) break;  // malformed: the general decoder reports it
        p += 13;
        trail = 64 - lead - sig;
        hm = (0xffffffffu >> lead) & (trail > 32 ? 0xffffffffu << (trail - 32) : 0xffffffffu);
        lm = trail >= 32 ? 0 : 0xffffffffu << trail;
      }
      const uint64_t q = p - lead;
      nHi = vHi ^ (peek32(buf, endByte, q) & hm);
      if (lm != 0) nLo = vLo ^ (peek32(buf, endByte, q + 32) & lm);
      p += 64 - lead - trail;
      leading = lead;
      trailing = trail;
      hiMask = hm;
      loMask = lm;
      windowSet = true;
    }
    if (p > endBit) break;  // cut short: the general decoder reports it
    pos = p;
    delta = d;
    t = nt;
    vHi = nHi;
    vLo = nLo;
    num++;
    const double td = static_cast<double>(t);
    if (td > maxt) {
      stop = XorStop::Past;
      break;
    }
    if (td < mint || (skipStale && vHi == kStaleHi && vLo == kStaleLo)) continue;
    outT[k] = td;
    const uint64_t bits = (static_cast<uint64_t>(vHi) << 32) | vLo;
    std::memcpy(&outV[k], &bits, 8);
    k++;
  }
  s.pos = pos;
  s.num = num;
  s.t = t;
  s.delta = delta;
  s.vHi = vHi;
  s.vLo = vLo;
  s.leading = leading;
  s.trailing = trailing;
  s.hiMask = hiMask;
  s.loMask = loMask;
  s.windowSet = windowSet;
  *n = k;
  return stop;
}

}  // namespace cairn
