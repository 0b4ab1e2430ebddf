// Snappy block decompression's element loop (snappy.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cairn {

// Decodes the elements of in[ip, inLen) into out[0, outLen): true when they are valid and
// fill out exactly; false (out partly written) on any malformed or overflowing element.
bool snappyElements(const uint8_t* in, size_t inLen, size_t ip, uint8_t* out, size_t outLen);

}  // namespace cairn
