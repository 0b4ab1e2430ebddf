// The fast loop of Prometheus XOR chunk decoding (xor.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cairn {

// The iterator's state between samples, as src/tsdb/chunkenc/xor.ts XorIterator keeps it.
struct XorState {
  uint64_t pos;  // bit position of the next sample
  uint32_t num;  // samples read
  uint32_t numTotal;
  int64_t t;
  int64_t delta;
  uint32_t vHi, vLo;  // the last value's bits
  uint32_t leading, trailing, hiMask, loMask;
  bool windowSet;
};

// What stopped the loop.
enum class XorStop { Slow, Past, Full };

// Decodes samples 2.. of a chunk while they take the common encodings (a delta of delta
// in 1, 14, 17 or 20 bits; a value unchanged, in the window, or with a new window), and
// appends those with mint <= t <= maxt (stale markers left out when skipStale) to outT/outV
// from *n, at most cap in all. Stops at a sample after maxt (Past, that sample read), when
// the columns are full (Full, the next sample not read), or at anything else (Slow: the
// end, a 64-bit delta of delta, a malformed or cut-short sample, not read; the caller's
// general decoder takes it and reports errors).
XorStop xorReadFast(const uint8_t* buf, size_t endByte, uint64_t endBit, XorState& s, double mint, double maxt, bool skipStale, double* outT, double* outV, size_t* n,
                    size_t cap);

}  // namespace cairn
