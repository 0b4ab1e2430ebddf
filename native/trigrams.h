// Distinct byte trigrams of log lines, for needle filters (trigrams.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cairn {

// For each span [spans[2i], spans[2i+1]) of bytes, every trigram (three bytes as a 24-bit
// big-endian integer) whose bit in `seen` (2^24 bits) is clear gets its bit set and is
// appended to grams from `count`; returns the new count. The caller checked the spans and
// gave grams room for one trigram per byte.
size_t trigramsAdd(const uint8_t* bytes, const int32_t* spans, size_t nSpans, uint32_t* seen, int32_t* grams, size_t count);

// A Bloom filter's section of `m` bits (bits: m / 8 bytes) for the `count` distinct
// trigrams in `grams`, k bits each (filter.ts GramSet.finish: h1 = fmix32(v), h2 =
// fmix32(v ^ 0x9E3779B9) | 1, bit i = the high bits of (h1 + i*h2) * m); each trigram's word
// of `seen` is cleared on the way. The caller checked every trigram is below 2^24.
void bloomTrigrams(const int32_t* grams, size_t count, uint32_t* seen, uint8_t* bits, uint32_t k, uint32_t m);

}  // namespace cairn
