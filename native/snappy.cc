// The element loop of a Snappy block's decompression (format_description.txt), for push
// bodies: remote write and Loki push. Why native: the JavaScript decoder
// (src/ingest/remote-write/snappy.ts) runs at 0.7 GB/s on Loki push bodies (2.1 on
// remote-write ones) and was a quarter of the main thread's time on a Loki push of
// 100 MB/s; this loop, with fixed 16-byte moves for short literals and 8-byte moves for
// copies, runs at 1.4 (6.6) GB/s.
//
// Only the elements: the caller has read and checked the length preamble (declared length
// within its limit and within what the input can expand to) and allocated the output.
// Hostile input: every element is bounds-checked against the input and the output, and
// the output must come out exactly full. A failure reports nothing but itself; the caller
// then runs the JavaScript decoder, whose error names the element and the byte offset.
#include "snappy.h"

#include <cstring>

namespace cairn {

bool snappyElements(const uint8_t* in, size_t inLen, size_t ip, uint8_t* out, size_t outLen) {
  size_t op = 0;
  while (ip < inLen) {
    const uint8_t tag = in[ip++];
    const unsigned kind = tag & 3;
    if (kind == 0) {
      // Literal: its length minus one is in the tag, or in the 1..4 bytes after it.
      size_t len = tag >> 2;
      if (len >= 60) {
        const size_t extra = len - 59;
        if (inLen - ip < extra) return false;
        len = 0;
        for (size_t i = 0; i < extra; i++) len |= static_cast<size_t>(in[ip + i]) << (8 * i);
        ip += extra;
      }
      len += 1;
      if (inLen - ip < len || outLen - op < len) return false;
      if (len <= 16 && inLen - ip >= 16 && outLen - op >= 16) {
        // Short literals (most of them): one fixed 16-byte move, no call; the bytes past
        // the literal are overwritten by the next elements (or are the input's own).
        std::memcpy(out + op, in + ip, 16);
      } else {
        std::memcpy(out + op, in + ip, len);
      }
      ip += len;
      op += len;
      continue;
    }
    // Copy: `len` bytes from `offset` back in the output, overlapping itself when offset < len.
    size_t len;
    size_t offset;
    if (kind == 1) {
      if (inLen - ip < 1) return false;
      len = ((tag >> 2) & 7) + 4;
      offset = (static_cast<size_t>(tag >> 5) << 8) | in[ip];
      ip += 1;
    } else if (kind == 2) {
      if (inLen - ip < 2) return false;
      len = (tag >> 2) + 1;
      offset = in[ip] | (static_cast<size_t>(in[ip + 1]) << 8);
      ip += 2;
    } else {
      if (inLen - ip < 4) return false;
      len = (tag >> 2) + 1;
      offset = in[ip] | (static_cast<size_t>(in[ip + 1]) << 8) | (static_cast<size_t>(in[ip + 2]) << 16) | (static_cast<size_t>(in[ip + 3]) << 24);
      ip += 4;
    }
    if (offset == 0 || offset > op || outLen - op < len) return false;
    uint8_t* dst = out + op;
    const uint8_t* src = dst - offset;
    if (offset >= 8 && outLen - op >= len + 8) {
      // 8-byte moves front to back: each read ends at or before the write position, so a
      // pattern shorter than the copy (8 <= offset < len) repeats correctly. May write up
      // to 7 bytes past the copy, inside the output, where the next elements write.
      for (size_t i = 0; i < len; i += 8) std::memcpy(dst + i, src + i, 8);
    } else if (offset >= len) {
      std::memcpy(dst, src, len);
    } else {
      // A pattern of `offset` bytes repeated: byte by byte, in order.
      for (size_t i = 0; i < len; i++) dst[i] = src[i];
    }
    op += len;
  }
  return op == outLen;
}

}  // namespace cairn

// ---------------------------------------------------------------------------------------
// Compression (format_description.txt), for bodies Cairn sends or generates: remote-read
// answers and `cairn bench`'s load (snappyjs compresses at ~220 MB/s, most of what the
// log load generator spent per pass). A greedy LZ77 over 64 KiB fragments, as the
// reference compressor works, so every copy's offset fits 16 bits: a hash table of the
// fragment's 4-byte sequences finds a candidate, a match is extended as far as it goes,
// and after a run of misses the scan strides further to get through incompressible data.

namespace cairn {

namespace {

constexpr size_t kFragment = 1 << 16;
constexpr int kHashBits = 14;

inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint32_t hash4(uint32_t v) { return (v * 0x1e35a7bdu) >> (32 - kHashBits); }

uint8_t* emitLiteral(uint8_t* op, const uint8_t* lit, size_t len) {
  const size_t n = len - 1;
  if (n < 60) {
    *op++ = static_cast<uint8_t>(n << 2);
  } else {
    // 60..63: the length minus one follows in 1..4 little-endian bytes.
    uint8_t* tag = op++;
    size_t bytes = 0;
    for (size_t v = n; v > 0; v >>= 8) *op++ = static_cast<uint8_t>(v & 0xff), bytes++;
    *tag = static_cast<uint8_t>((59 + bytes) << 2);
  }
  std::memcpy(op, lit, len);
  return op + len;
}

// One copy element of 4..64 bytes (offset < 65536).
inline uint8_t* emitCopyUpTo64(uint8_t* op, size_t offset, size_t len) {
  if (len < 12 && offset < 2048) {
    // Copy with a 1-byte offset: length 4..11 and the offset's top 3 bits in the tag.
    *op++ = static_cast<uint8_t>(1 | ((len - 4) << 2) | ((offset >> 8) << 5));
    *op++ = static_cast<uint8_t>(offset & 0xff);
  } else {
    *op++ = static_cast<uint8_t>(2 | ((len - 1) << 2));
    *op++ = static_cast<uint8_t>(offset & 0xff);
    *op++ = static_cast<uint8_t>(offset >> 8);
  }
  return op;
}

uint8_t* emitCopy(uint8_t* op, size_t offset, size_t len) {
  // Long matches go out 64 bytes at a time, keeping at least 4 for the last element.
  while (len >= 68) {
    op = emitCopyUpTo64(op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyUpTo64(op, offset, 60);
    len -= 60;
  }
  return emitCopyUpTo64(op, offset, len);
}

uint8_t* compressFragment(const uint8_t* base, size_t n, uint8_t* op, uint16_t* table) {
  std::memset(table, 0, sizeof(uint16_t) << kHashBits);
  const uint8_t* const end = base + n;
  const uint8_t* lit = base;  // the first byte not yet emitted
  if (n >= 15) {
    // Positions up to limit can read 4 bytes and leave room for a trailing literal.
    const uint8_t* const limit = end - 15;
    const uint8_t* ip = base + 1;
    uint32_t misses = 32;
    while (ip <= limit) {
      const uint32_t v = load32(ip);
      const uint32_t h = hash4(v);
      const uint8_t* cand = base + table[h];
      table[h] = static_cast<uint16_t>(ip - base);
      if (cand >= ip || load32(cand) != v) {
        ip += misses++ >> 5;
        continue;
      }
      misses = 32;
      if (ip > lit) op = emitLiteral(op, lit, ip - lit);
      // Extend the match: 8 bytes at a time, then bytewise.
      const uint8_t* m = ip + 4;
      const uint8_t* c = cand + 4;
      while (m + 8 <= end) {
        uint64_t a, b;
        std::memcpy(&a, m, 8);
        std::memcpy(&b, c, 8);
        if (a != b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
          // The first differing byte: the lowest set bit of the difference, little-endian.
          const size_t same = static_cast<size_t>(__builtin_ctzll(a ^ b)) >> 3;
          m += same;
          c += same;
          goto matched;
#else
          break;
#endif
        }
        m += 8;
        c += 8;
      }
      while (m < end && *m == *c) m++, c++;
    matched:
      op = emitCopy(op, static_cast<size_t>(ip - cand), static_cast<size_t>(m - ip));
      ip = m;
      lit = ip;
      // Index the position just before the match's end, so a repeat of its tail is found.
      if (ip <= limit) table[hash4(load32(ip - 1))] = static_cast<uint16_t>(ip - 1 - base);
    }
  }
  if (lit < end) op = emitLiteral(op, lit, static_cast<size_t>(end - lit));
  return op;
}

}  // namespace

size_t snappyCompress(const uint8_t* in, size_t n, uint8_t* out) {
  uint8_t* op = out;
  for (size_t v = n; ; v >>= 7) {
    if (v < 0x80) {
      *op++ = static_cast<uint8_t>(v);
      break;
    }
    *op++ = static_cast<uint8_t>((v & 0x7f) | 0x80);
  }
  static thread_local uint16_t table[1 << kHashBits];
  for (size_t at = 0; at < n; at += kFragment) {
    const size_t len = n - at < kFragment ? n - at : kFragment;
    op = compressFragment(in + at, len, op, table);
  }
  return static_cast<size_t>(op - out);
}

}  // namespace cairn
