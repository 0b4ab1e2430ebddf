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

}  // namespace cairn
