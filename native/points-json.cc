// The points of a Prometheus API matrix entry, `[[seconds,"value"],...]`, written as UTF-8
// bytes from two columns of doubles. Why native: V8 spends ~110 ns turning a double into
// its shortest round-trip string and ~70 ns more building the JSON around it, which is
// most of the time a big range answer takes; libstdc++'s std::to_chars finds the same
// shortest digits in ~30 ns and the bytes go straight into the caller's buffer.
//
// The text is exactly what src/promql/value-json.ts writes (the JavaScript path, kept for
// builds without this addon, and the reference the tests compare with):
// - a time is JavaScript's String(ms / 1000);
// - a value is Go's strconv.FormatFloat as Prometheus picks it: JavaScript's shortest
//   fixed notation from 1e-6 to 1e21, else the shortest mantissa with an exponent of at
//   least two digits (`1e-07`), and NaN, +Inf, -Inf, -0.
// Both are the shortest digits that read back as the same double, and of those the
// closest; that is how ECMAScript's Number::toString and std::to_chars choose them.
#include "points-json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace cairn {
namespace {

char* writeUint(char* o, uint64_t n) {
  char tmp[20];
  int k = 0;
  do {
    tmp[k++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  while (k > 0) *o++ = tmp[--k];
  return o;
}

// The shortest round-trip digits of x > 0 (finite) into d, without a point; their count,
// and in *exp10 the power of ten of the first digit.
int shortestDigits(double x, char* d, int* exp10) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  int k = 0;
  const char* p = buf;
  for (; p < r.ptr && *p != 'e'; p++)
    if (*p != '.') d[k++] = *p;
  p++;  // 'e'
  const bool negative = *p == '-';
  p++;  // the exponent's sign, always written
  int e = 0;
  for (; p < r.ptr; p++) e = e * 10 + (*p - '0');
  *exp10 = negative ? -e : e;
  return k;
}

// d[.ddd]e±X: JavaScript's exponent form, or Go's with at least two exponent digits.
char* exponentForm(char* o, const char* d, int k, int exp10, bool twoDigits) {
  *o++ = d[0];
  if (k > 1) {
    *o++ = '.';
    std::memcpy(o, d + 1, k - 1);
    o += k - 1;
  }
  *o++ = 'e';
  *o++ = exp10 < 0 ? '-' : '+';
  const int e = exp10 < 0 ? -exp10 : exp10;
  if (twoDigits && e < 10) *o++ = '0';
  return writeUint(o, static_cast<uint64_t>(e));
}

// ECMAScript's Number::toString layout of k digits d with the point after n of them.
char* jsLayout(char* o, const char* d, int k, int n) {
  if (k <= n && n <= 21) {
    std::memcpy(o, d, k);
    o += k;
    for (int i = k; i < n; i++) *o++ = '0';
    return o;
  }
  if (0 < n && n <= 21) {
    std::memcpy(o, d, n);
    o += n;
    *o++ = '.';
    std::memcpy(o, d + n, k - n);
    return o + (k - n);
  }
  if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -n; i++) *o++ = '0';
    std::memcpy(o, d, k);
    return o + k;
  }
  return exponentForm(o, d, k, n - 1, false);
}

constexpr double kTwo53 = 9007199254740992.0;

// JavaScript's String(x).
char* jsNumber(char* o, double x) {
  if (std::isnan(x)) {
    std::memcpy(o, "NaN", 3);
    return o + 3;
  }
  if (x < 0) {
    *o++ = '-';
    x = -x;
  }
  if (std::isinf(x)) {
    std::memcpy(o, "Infinity", 8);
    return o + 8;
  }
  if (x == 0) {
    *o++ = '0';
    return o;
  }
  if (x < kTwo53 && x == std::floor(x)) return writeUint(o, static_cast<uint64_t>(x));
  char d[24];
  int e;
  const int k = shortestDigits(x, d, &e);
  return jsLayout(o, d, k, e + 1);
}

// value-json.ts formatSampleValue.
char* sampleValue(char* o, double v) {
  if (std::isnan(v)) {
    std::memcpy(o, "NaN", 3);
    return o + 3;
  }
  if (std::isinf(v)) {
    std::memcpy(o, v > 0 ? "+Inf" : "-Inf", 4);
    return o + 4;
  }
  if (std::signbit(v)) {
    *o++ = '-';
    v = -v;
  }
  if (v == 0) {
    *o++ = '0';
    return o;
  }
  // Whole numbers (counters, gauges of bytes) need no digit search.
  if (v < kTwo53 && v == std::floor(v)) return writeUint(o, static_cast<uint64_t>(v));
  char d[24];
  int e;
  const int k = shortestDigits(v, d, &e);
  if (v < 1e-6 || v >= 1e21) return exponentForm(o, d, k, e, true);
  return jsLayout(o, d, k, e + 1);
}

// value-json.ts formatTime: String(ms / 1000). Whole milliseconds below 1e15 (every time
// Cairn stores) have at most 15 significant digits as seconds, so their decimal text is
// already the shortest that reads back; anything else takes the general path.
char* sampleTime(char* o, double ms) {
  if (ms == std::floor(ms) && std::fabs(ms) < 1e15) {
    const bool negative = ms < 0;
    uint64_t m = static_cast<uint64_t>(negative ? -ms : ms);
    if (m == 0) {
      *o++ = '0';
      return o;
    }
    if (negative) *o++ = '-';
    o = writeUint(o, m / 1000);
    uint32_t frac = static_cast<uint32_t>(m % 1000);
    if (frac != 0) {
      *o++ = '.';
      *o++ = static_cast<char>('0' + frac / 100);
      frac %= 100;
      if (frac != 0) {
        *o++ = static_cast<char>('0' + frac / 10);
        frac %= 10;
        if (frac != 0) *o++ = static_cast<char>('0' + frac);
      }
    }
    return o;
  }
  return jsNumber(o, ms / 1000);
}

}  // namespace

char* writePoints(const double* t, const double* v, size_t from, size_t to, char* o) {
  *o++ = '[';
  for (size_t i = from; i < to; i++) {
    if (i > from) *o++ = ',';
    *o++ = '[';
    o = sampleTime(o, t[i]);
    *o++ = ',';
    *o++ = '"';
    o = sampleValue(o, v[i]);
    *o++ = '"';
    *o++ = ']';
  }
  *o++ = ']';
  return o;
}

}  // namespace cairn
