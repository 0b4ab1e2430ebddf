// A Prometheus API matrix entry's points as JSON text (points-json.cc).
#pragma once
#include <cstddef>

namespace cairn {

// The most bytes one point takes: '[' time ',"' value '"]' ','. A time or a value is at
// most 25 characters: a sign, then "0.00000" and 17 digits, or 21 integer digits, or a
// 17-digit mantissa with its point and a three-digit exponent.
constexpr size_t kMaxPointBytes = 64;

// Writes `[[t,"v"],...]` for the points [from, to) at o (room: (to - from) * kMaxPointBytes
// + 2 bytes) and returns the end.
char* writePoints(const double* t, const double* v, size_t from, size_t to, char* o);

}  // namespace cairn
