// Snappy blocks (snappy.cc): decompression's element loop, and compression.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cairn {

// Decodes the elements of in[ip, inLen) into out[0, outLen): true when they are valid and
// fill out exactly; false (out partly written) on any malformed or overflowing element.
bool snappyElements(const uint8_t* in, size_t inLen, size_t ip, uint8_t* out, size_t outLen);

// Most bytes snappyCompress writes for n input bytes (the format's worst case: the length
// preamble plus every byte as a literal with its tags).
inline size_t snappyMaxCompressed(size_t n) { return 32 + n + n / 6; }

// Compresses in[0, n) into one Snappy block (length preamble, then elements) at out, which
// has room for snappyMaxCompressed(n) bytes; returns the bytes written.
size_t snappyCompress(const uint8_t* in, size_t n, uint8_t* out);

}  // namespace cairn
