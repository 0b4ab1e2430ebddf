// The N-API bindings of Cairn's native addon (src/util/native.ts): argument checks and
// typed-array access around the kernels of points-json.cc, snappy.cc, xor.cc and trigrams.cc,
// json.cc, tokens.cc, the system zstd (zstd.cc), copySpans, a memcpy loop written here, and mallocTrim. Wrong arguments
// throw a TypeError; the kernels never see a pointer or a length they were not given.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdint>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "json.h"
#include "points-json.h"
#include "snappy.h"
#include "tokens.h"
#include "trigrams.h"
#include "xor.h"
#include "zstd.h"

namespace {

bool typedArray(napi_env env, napi_value value, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, value, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, data, &buffer, &offset) != napi_ok) return false;
  return type == want;
}

bool int32Arg(napi_env env, napi_value value, int32_t* out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

napi_value number(napi_env env, double n) {
  napi_value result;
  napi_create_double(env, n, &result);
  return result;
}

napi_value boolean(napi_env env, bool b) {
  napi_value result;
  napi_get_boolean(env, b, &result);
  return result;
}

// writePoints(t: Float64Array, v: Float64Array, from, to, out: Uint8Array, at): the end of
// the points [from, to) written as `[[t,"v"],...]` into out from `at`, or -1 with nothing
// written when out has less than (to - from) * 64 + 2 bytes of room.
napi_value WritePoints(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) return fail(env, "writePoints takes 6 arguments");
  void *tData, *vData, *outData;
  size_t tLen, vLen, outLen;
  int32_t from, to, at;
  if (!typedArray(env, argv[0], napi_float64_array, &tData, &tLen)) return fail(env, "writePoints: t must be a Float64Array");
  if (!typedArray(env, argv[1], napi_float64_array, &vData, &vLen)) return fail(env, "writePoints: v must be a Float64Array");
  if (!int32Arg(env, argv[2], &from) || !int32Arg(env, argv[3], &to)) return fail(env, "writePoints: from and to must be integers");
  if (!typedArray(env, argv[4], napi_uint8_array, &outData, &outLen)) return fail(env, "writePoints: out must be a Uint8Array");
  if (!int32Arg(env, argv[5], &at)) return fail(env, "writePoints: at must be an integer");
  if (from < 0 || to < from || static_cast<size_t>(to) > tLen || static_cast<size_t>(to) > vLen) return fail(env, "writePoints: [from, to) is outside the columns");
  if (at < 0 || static_cast<size_t>(at) > outLen) return fail(env, "writePoints: at is outside out");
  if (outLen - at < static_cast<size_t>(to - from) * cairn::kMaxPointBytes + 2) return number(env, -1);
  char* const start = static_cast<char*>(outData);
  const char* end = cairn::writePoints(static_cast<const double*>(tData), static_cast<const double*>(vData), from, to, start + at);
  return number(env, static_cast<double>(end - start));
}

// snappyElements(input: Uint8Array, at, out: Uint8Array): whether the elements of input from
// `at` (after the length preamble) are valid and fill out exactly.
napi_value SnappyElements(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return fail(env, "snappyElements takes 3 arguments");
  void *inData, *outData;
  size_t inLen, outLen;
  int32_t at;
  if (!typedArray(env, argv[0], napi_uint8_array, &inData, &inLen)) return fail(env, "snappyElements: input must be a Uint8Array");
  if (!int32Arg(env, argv[1], &at) || at < 0 || static_cast<size_t>(at) > inLen) return fail(env, "snappyElements: at is outside the input");
  if (!typedArray(env, argv[2], napi_uint8_array, &outData, &outLen)) return fail(env, "snappyElements: out must be a Uint8Array");
  const bool ok = cairn::snappyElements(static_cast<const uint8_t*>(inData), inLen, at, static_cast<uint8_t*>(outData), outLen);
  return boolean(env, ok);
}

// jsonUnescape(input: Uint8Array, at, out: Uint8Array, outAt, ends: Int32Array): whether the
// JSON string from input[at] (past its opening quote) is unescaped into out from outAt;
// then ends[0] is past its closing quote in input and ends[1] past its bytes in out.
napi_value JsonUnescape(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 5) return fail(env, "jsonUnescape takes 5 arguments");
  void *inData, *outData, *endsData;
  size_t inLen, outLen, endsLen;
  int32_t at, outAt;
  if (!typedArray(env, argv[0], napi_uint8_array, &inData, &inLen)) return fail(env, "jsonUnescape: input must be a Uint8Array");
  if (!int32Arg(env, argv[1], &at) || at < 0 || static_cast<size_t>(at) > inLen) return fail(env, "jsonUnescape: at is outside the input");
  if (!typedArray(env, argv[2], napi_uint8_array, &outData, &outLen)) return fail(env, "jsonUnescape: out must be a Uint8Array");
  if (!int32Arg(env, argv[3], &outAt) || outAt < 0 || static_cast<size_t>(outAt) > outLen) return fail(env, "jsonUnescape: outAt is outside out");
  if (!typedArray(env, argv[4], napi_int32_array, &endsData, &endsLen) || endsLen < 2) return fail(env, "jsonUnescape: ends must be an Int32Array of 2");
  size_t inEnd = 0;
  size_t outEnd = 0;
  const bool ok = cairn::jsonUnescape(static_cast<const uint8_t*>(inData), inLen, at, static_cast<uint8_t*>(outData), outLen, outAt, &inEnd, &outEnd);
  if (ok) {
    int32_t* ends = static_cast<int32_t*>(endsData);
    ends[0] = static_cast<int32_t>(inEnd);
    ends[1] = static_cast<int32_t>(outEnd);
  }
  return boolean(env, ok);
}

// jsonValues(input: Uint8Array, side: Uint8Array, tMs: Float64Array, tNs: Int32Array,
// start: Int32Array, end: Int32Array, state: Int32Array): json.h's jsonValues, with
// state = [stop (out), position in input, entries in the columns, bytes used in side] read
// and written back. The four columns must have the same length (their capacity).
napi_value JsonValues(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7) return fail(env, "jsonValues takes 7 arguments");
  void *inData, *sideData, *tMsData, *tNsData, *startData, *endData, *stateData;
  size_t inLen, sideLen, tMsLen, tNsLen, startLen, endLen, stateLen;
  if (!typedArray(env, argv[0], napi_uint8_array, &inData, &inLen)) return fail(env, "jsonValues: input must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_uint8_array, &sideData, &sideLen)) return fail(env, "jsonValues: side must be a Uint8Array");
  if (!typedArray(env, argv[2], napi_float64_array, &tMsData, &tMsLen)) return fail(env, "jsonValues: tMs must be a Float64Array");
  if (!typedArray(env, argv[3], napi_int32_array, &tNsData, &tNsLen)) return fail(env, "jsonValues: tNs must be an Int32Array");
  if (!typedArray(env, argv[4], napi_int32_array, &startData, &startLen)) return fail(env, "jsonValues: start must be an Int32Array");
  if (!typedArray(env, argv[5], napi_int32_array, &endData, &endLen)) return fail(env, "jsonValues: end must be an Int32Array");
  if (!typedArray(env, argv[6], napi_int32_array, &stateData, &stateLen) || stateLen < 4) return fail(env, "jsonValues: state must be an Int32Array of 4");
  if (tNsLen != tMsLen || startLen != tMsLen || endLen != tMsLen) return fail(env, "jsonValues: the columns must have the same length");
  if (inLen + sideLen > 0x7fffffff) return fail(env, "jsonValues: input and side must be under 2 GiB together");
  int32_t* state = static_cast<int32_t*>(stateData);
  if (state[1] < 0 || static_cast<size_t>(state[1]) > inLen || state[2] < 0 || static_cast<size_t>(state[2]) > tMsLen || state[3] < 0 || static_cast<size_t>(state[3]) > sideLen) {
    return fail(env, "jsonValues: state is outside the arrays");
  }
  size_t ip = state[1], count = state[2], sideAt = state[3];
  const cairn::EntryColumnsOut cols{static_cast<double*>(tMsData), static_cast<int32_t*>(tNsData), static_cast<int32_t*>(startData), static_cast<int32_t*>(endData), tMsLen};
  const cairn::JsonValuesStop stop = cairn::jsonValues(static_cast<const uint8_t*>(inData), inLen, &ip, static_cast<uint8_t*>(sideData), sideLen, &sideAt, cols, &count);
  state[0] = stop;
  state[1] = static_cast<int32_t>(ip);
  state[2] = static_cast<int32_t>(count);
  state[3] = static_cast<int32_t>(sideAt);
  return nullptr;
}

// snappyCompress(input: Uint8Array, out: Uint8Array): the bytes of input's Snappy block
// (length preamble and elements) written at the start of out, which must hold at least
// 32 + n + n/6 bytes (snappy.h snappyMaxCompressed).
napi_value SnappyCompress(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2) return fail(env, "snappyCompress takes 2 arguments");
  void *inData, *outData;
  size_t inLen, outLen;
  if (!typedArray(env, argv[0], napi_uint8_array, &inData, &inLen)) return fail(env, "snappyCompress: input must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_uint8_array, &outData, &outLen)) return fail(env, "snappyCompress: out must be a Uint8Array");
  if (outLen < cairn::snappyMaxCompressed(inLen)) return fail(env, "snappyCompress: out is smaller than 32 + n + n/6");
  return number(env, static_cast<double>(cairn::snappyCompress(static_cast<const uint8_t*>(inData), inLen, static_cast<uint8_t*>(outData))));
}

// The slots of xorRead's state array (XorIterator's fields and the call's arguments;
// src/tsdb/chunkenc/xor.ts names the same slots S_*).
enum XorSlot { kPos, kNum, kNumTotal, kT, kDelta, kVHi, kVLo, kLeading, kTrailing, kHiMask, kLoMask, kWindowSet, kEndByte, kEndBit, kMint, kMaxt, kSkipStale, kN, kStop, kSlots };

// xorRead(buf: Uint8Array, state: Float64Array, outT: Float64Array, outV: Float64Array):
// xorReadFast over the iterator state and arguments in `state` (slots above), written back
// with the samples appended (state[kN]) and why it stopped (state[kStop]: 0 slow, 1 past
// maxt, 2 columns full). Four arguments, not twenty: N-API's cost is per argument.
napi_value XorRead(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 4) return fail(env, "xorRead takes 4 arguments");
  void *bufData, *stData, *tData, *vData;
  size_t bufLen, stLen, tLen, vLen;
  if (!typedArray(env, argv[0], napi_uint8_array, &bufData, &bufLen)) return fail(env, "xorRead: buf must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_float64_array, &stData, &stLen) || stLen < kSlots) return fail(env, "xorRead: state must be a Float64Array of 19");
  if (!typedArray(env, argv[2], napi_float64_array, &tData, &tLen)) return fail(env, "xorRead: outT must be a Float64Array");
  if (!typedArray(env, argv[3], napi_float64_array, &vData, &vLen)) return fail(env, "xorRead: outV must be a Float64Array");
  double* st = static_cast<double*>(stData);
  const double endByte = st[kEndByte], endBit = st[kEndBit], n = st[kN];
  if (!(endByte >= 0 && endByte <= static_cast<double>(bufLen) && endBit >= 0 && endBit <= endByte * 8)) return fail(env, "xorRead: the chunk's end is outside buf");
  const size_t cap = tLen < vLen ? tLen : vLen;
  if (!(n >= 0 && n <= static_cast<double>(cap))) return fail(env, "xorRead: n is outside the columns");
  if (!(st[kPos] >= 0 && st[kNum] >= 0 && st[kNumTotal] >= 0 && st[kNumTotal] <= 65535)) return fail(env, "xorRead: bad iterator state");
  cairn::XorState s;
  s.pos = static_cast<uint64_t>(st[kPos]);
  s.num = static_cast<uint32_t>(st[kNum]);
  s.numTotal = static_cast<uint32_t>(st[kNumTotal]);
  s.t = static_cast<int64_t>(st[kT]);
  s.delta = static_cast<int64_t>(st[kDelta]);
  s.vHi = static_cast<uint32_t>(static_cast<int64_t>(st[kVHi]));
  s.vLo = static_cast<uint32_t>(static_cast<int64_t>(st[kVLo]));
  s.leading = static_cast<uint32_t>(st[kLeading]) & 0xff;
  s.trailing = static_cast<uint32_t>(st[kTrailing]) & 0xff;
  s.hiMask = static_cast<uint32_t>(static_cast<int64_t>(st[kHiMask]));
  s.loMask = static_cast<uint32_t>(static_cast<int64_t>(st[kLoMask]));
  s.windowSet = st[kWindowSet] != 0;
  size_t k = static_cast<size_t>(n);
  const cairn::XorStop stop = cairn::xorReadFast(static_cast<const uint8_t*>(bufData), static_cast<size_t>(endByte), static_cast<uint64_t>(endBit), s, st[kMint], st[kMaxt],
                                                 st[kSkipStale] != 0, static_cast<double*>(tData), static_cast<double*>(vData), &k, cap);
  st[kPos] = static_cast<double>(s.pos);
  st[kNum] = s.num;
  st[kT] = static_cast<double>(s.t);
  st[kDelta] = static_cast<double>(s.delta);
  st[kVHi] = s.vHi;
  st[kVLo] = s.vLo;
  st[kLeading] = s.leading;
  st[kTrailing] = s.trailing;
  st[kHiMask] = s.hiMask;
  st[kLoMask] = s.loMask;
  st[kWindowSet] = s.windowSet ? 1 : 0;
  st[kN] = static_cast<double>(k);
  st[kStop] = stop == cairn::XorStop::Slow ? 0 : stop == cairn::XorStop::Past ? 1 : 2;
  return nullptr;
}

// trigramsAdd(bytes: Uint8Array, spans: Int32Array, n, seen: Int32Array, grams: Int32Array,
// count): the new count of distinct trigrams after the n spans (trigrams.cc). Refuses spans
// outside bytes, a seen set of other than 2^19 words, and grams without a slot per byte of
// the spans.
napi_value TrigramsAdd(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) return fail(env, "trigramsAdd takes 6 arguments");
  void *bytesData, *spansData, *seenData, *gramsData;
  size_t bytesLen, spansLen, seenLen, gramsLen;
  int32_t n, count;
  if (!typedArray(env, argv[0], napi_uint8_array, &bytesData, &bytesLen)) return fail(env, "trigramsAdd: bytes must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_int32_array, &spansData, &spansLen)) return fail(env, "trigramsAdd: spans must be an Int32Array");
  if (!int32Arg(env, argv[2], &n) || n < 0 || static_cast<size_t>(n) * 2 > spansLen) return fail(env, "trigramsAdd: n is outside spans");
  if (!typedArray(env, argv[3], napi_int32_array, &seenData, &seenLen) || seenLen != (1u << 19)) return fail(env, "trigramsAdd: seen must be an Int32Array of 2^19");
  if (!typedArray(env, argv[4], napi_int32_array, &gramsData, &gramsLen)) return fail(env, "trigramsAdd: grams must be an Int32Array");
  if (!int32Arg(env, argv[5], &count) || count < 0 || static_cast<size_t>(count) > gramsLen) return fail(env, "trigramsAdd: count is outside grams");
  const int32_t* spans = static_cast<const int32_t*>(spansData);
  size_t room = static_cast<size_t>(count);
  for (int32_t i = 0; i < n; i++) {
    const int32_t start = spans[2 * i], end = spans[2 * i + 1];
    if (start < 0 || end < start || static_cast<size_t>(end) > bytesLen) return fail(env, "trigramsAdd: a span is outside bytes");
    room += static_cast<size_t>(end - start);
  }
  if (room > gramsLen) return fail(env, "trigramsAdd: grams needs a slot per byte of the spans");
  const size_t out = cairn::trigramsAdd(static_cast<const uint8_t*>(bytesData), spans, n, static_cast<uint32_t*>(seenData), static_cast<int32_t*>(gramsData), count);
  return number(env, static_cast<double>(out));
}

// bloomTrigrams(grams: Int32Array, count, seen: Int32Array, bits: Uint8Array, k): sets the k
// bits of each of the first `count` trigrams in a Bloom section of bits.length * 8 bits and
// clears their words of `seen` (trigrams.cc). Refuses a trigram past 2^24, k outside 1..8
// and an empty or oversized section.
napi_value BloomTrigrams(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 5) return fail(env, "bloomTrigrams takes 5 arguments");
  void *gramsData, *seenData, *bitsData;
  size_t gramsLen, seenLen, bitsLen;
  int32_t count, k;
  if (!typedArray(env, argv[0], napi_int32_array, &gramsData, &gramsLen)) return fail(env, "bloomTrigrams: grams must be an Int32Array");
  if (!int32Arg(env, argv[1], &count) || count < 0 || static_cast<size_t>(count) > gramsLen) return fail(env, "bloomTrigrams: count is outside grams");
  if (!typedArray(env, argv[2], napi_int32_array, &seenData, &seenLen) || seenLen != (1u << 19)) return fail(env, "bloomTrigrams: seen must be an Int32Array of 2^19");
  if (!typedArray(env, argv[3], napi_uint8_array, &bitsData, &bitsLen) || bitsLen == 0 || bitsLen > (1u << 28)) return fail(env, "bloomTrigrams: bits must be a Uint8Array of 1 to 2^28 bytes");
  if (!int32Arg(env, argv[4], &k) || k < 1 || k > 8) return fail(env, "bloomTrigrams: k must be 1 to 8");
  const int32_t* grams = static_cast<const int32_t*>(gramsData);
  for (int32_t j = 0; j < count; j++) {
    if (grams[j] < 0 || grams[j] >= (1 << 24)) return fail(env, "bloomTrigrams: a trigram is outside 0..2^24");
  }
  cairn::bloomTrigrams(grams, static_cast<size_t>(count), static_cast<uint32_t*>(seenData), static_cast<uint8_t*>(bitsData), static_cast<uint32_t>(k), static_cast<uint32_t>(bitsLen * 8));
  return nullptr;
}

// copySpans(src: Uint8Array, spans: Int32Array, n, dst: Uint8Array, at): copies the n
// byte ranges [start, end) of src that spans lists as pairs into dst back to back from `at`;
// returns where they end. Refuses spans outside src and a total past the end of dst. The
// log store's line appends (open-buffer.ts): one call a request's stream, instead of a view
// object and a copy a line.
napi_value CopySpans(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 5) return fail(env, "copySpans takes 5 arguments");
  void *srcData, *spansData, *dstData;
  size_t srcLen, spansLen, dstLen;
  int32_t n, at;
  if (!typedArray(env, argv[0], napi_uint8_array, &srcData, &srcLen)) return fail(env, "copySpans: src must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_int32_array, &spansData, &spansLen)) return fail(env, "copySpans: spans must be an Int32Array");
  if (!int32Arg(env, argv[2], &n) || n < 0 || static_cast<size_t>(n) * 2 > spansLen) return fail(env, "copySpans: n is outside spans");
  if (!typedArray(env, argv[3], napi_uint8_array, &dstData, &dstLen)) return fail(env, "copySpans: dst must be a Uint8Array");
  if (!int32Arg(env, argv[4], &at) || at < 0 || static_cast<size_t>(at) > dstLen) return fail(env, "copySpans: at is outside dst");
  const int32_t* spans = static_cast<const int32_t*>(spansData);
  size_t total = static_cast<size_t>(at);
  for (int32_t i = 0; i < n; i++) {
    const int32_t start = spans[2 * i], end = spans[2 * i + 1];
    if (start < 0 || end < start || static_cast<size_t>(end) > srcLen) return fail(env, "copySpans: a span is outside src");
    total += static_cast<size_t>(end - start);
  }
  if (total > dstLen) return fail(env, "copySpans: the spans do not fit in dst");
  const uint8_t* src = static_cast<const uint8_t*>(srcData);
  uint8_t* out = static_cast<uint8_t*>(dstData) + at;
  for (int32_t i = 0; i < n; i++) {
    const int32_t start = spans[2 * i], len = spans[2 * i + 1] - start;
    std::memcpy(out, src + start, static_cast<size_t>(len));
    out += len;
  }
  return number(env, static_cast<double>(total));
}

// zstdVersion(): the system zstd's version number (10504 for 1.5.4), 0 when it is not
// installed (zstd.cc).
napi_value ZstdVersion(napi_env env, napi_callback_info) {
  const cairn::ZstdApi* z = cairn::zstd();
  return number(env, z == nullptr ? 0 : z->versionNumber());
}

// zstdCompress(src: Uint8Array, level, out: Uint8Array): the size of the zstd frame of src
// at `level` written at the start of out (one-shot ZSTD_compress: the frame records the
// content size). Throws when the system zstd is missing, when out is smaller than
// ZSTD_compressBound(src), or when zstd fails.
napi_value ZstdCompress(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return fail(env, "zstdCompress takes 3 arguments");
  const cairn::ZstdApi* z = cairn::zstd();
  if (z == nullptr) return fail(env, "zstdCompress: libzstd.so.1 is not installed");
  void *srcData, *outData;
  size_t srcLen, outLen;
  int32_t level;
  if (!typedArray(env, argv[0], napi_uint8_array, &srcData, &srcLen)) return fail(env, "zstdCompress: src must be a Uint8Array");
  if (!int32Arg(env, argv[1], &level)) return fail(env, "zstdCompress: level must be an integer");
  if (!typedArray(env, argv[2], napi_uint8_array, &outData, &outLen)) return fail(env, "zstdCompress: out must be a Uint8Array");
  if (outLen < z->compressBound(srcLen)) return fail(env, "zstdCompress: out is smaller than ZSTD_compressBound(src)");
  const size_t n = z->compress(outData, outLen, srcData, srcLen, level);
  if (z->isError(n) != 0) return fail(env, "zstdCompress: zstd failed");
  return number(env, static_cast<double>(n));
}

// mallocTrim(): a Promise of whether the C heap's free pages went back to the system
// (glibc's malloc_trim(0), which releases free pages inside the heap too, not only at its
// top). Node allocates ArrayBuffers with malloc; after a burst of request bodies and chunks
// glibc keeps the freed memory (a 1.7 GB RSS with 0.3 GB in use after a sustained log push).
// The trim walks every arena (~100 ms after such a burst), so it runs on the libuv pool:
// the main thread waits only if it allocates from an arena while that arena is trimmed.
// Resolves false, doing nothing, with other C libraries.
struct TrimWork {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  bool released = false;
};

void TrimExecute(napi_env, void* data) {
#if defined(__GLIBC__)
  static_cast<TrimWork*>(data)->released = malloc_trim(0) == 1;
#else
  (void)data;
#endif
}

void TrimComplete(napi_env env, napi_status, void* data) {
  TrimWork* w = static_cast<TrimWork*>(data);
  napi_resolve_deferred(env, w->deferred, boolean(env, w->released));
  napi_delete_async_work(env, w->work);
  delete w;
}

napi_value MallocTrim(napi_env env, napi_callback_info) {
  TrimWork* w = new TrimWork();
  napi_value promise, name;
  if (napi_create_promise(env, &w->deferred, &promise) != napi_ok || napi_create_string_utf8(env, "cairn.mallocTrim", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, nullptr, name, TrimExecute, TrimComplete, w, &w->work) != napi_ok || napi_queue_async_work(env, w->work) != napi_ok) {
    if (w->work != nullptr) napi_delete_async_work(env, w->work);
    delete w;
    return fail(env, "mallocTrim: could not queue the work");
  }
  return promise;
}

// untokenizeChunk(src: Uint8Array, out: Uint8Array, lines: boolean): the length of the log
// chunk that src (line-tokens.ts tokenizeChunk's output) holds, written into out (without
// its lines unless `lines`); minus the length needed when out is too small. Throws an Error (not a TypeError) naming the fault when src is
// malformed (tokens.cc).
napi_value UntokenizeChunk(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 3) return fail(env, "untokenizeChunk takes 3 arguments");
  void *srcData, *outData;
  size_t srcLen, outLen;
  bool lines;
  if (!typedArray(env, argv[0], napi_uint8_array, &srcData, &srcLen)) return fail(env, "untokenizeChunk: src must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_uint8_array, &outData, &outLen)) return fail(env, "untokenizeChunk: out must be a Uint8Array");
  if (napi_get_value_bool(env, argv[2], &lines) != napi_ok) return fail(env, "untokenizeChunk: lines must be a boolean");
  const char* error = nullptr;
  const int64_t n = cairn::untokenizeChunk(static_cast<const uint8_t*>(srcData), srcLen, static_cast<uint8_t*>(outData), outLen, lines, &error);
  if (n == cairn::kTokensCorrupt) {
    napi_throw_error(env, nullptr, error);
    return nullptr;
  }
  return number(env, static_cast<double>(n));
}

// tokenizeChunk(raw: Uint8Array, out: Uint8Array): the length of raw's tokenized form
// (line-tokens.ts) written into out, or 0 when raw is not a well-formed log chunk. Throws a
// TypeError when out is smaller than 2 × raw.length + 64 (tokens.cc).
napi_value TokenizeChunk(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2) return fail(env, "tokenizeChunk takes 2 arguments");
  void *rawData, *outData;
  size_t rawLen, outLen;
  if (!typedArray(env, argv[0], napi_uint8_array, &rawData, &rawLen)) return fail(env, "tokenizeChunk: raw must be a Uint8Array");
  if (!typedArray(env, argv[1], napi_uint8_array, &outData, &outLen)) return fail(env, "tokenizeChunk: out must be a Uint8Array");
  if (outLen < cairn::tokenizedBound(rawLen)) return fail(env, "tokenizeChunk: out is smaller than 2 × raw.length + 64");
  return number(env, static_cast<double>(cairn::tokenizeChunk(static_cast<const uint8_t*>(rawData), rawLen, static_cast<uint8_t*>(outData))));
}

bool exportFunction(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn) == napi_ok && napi_set_named_property(env, exports, name, fn) == napi_ok;
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  if (!exportFunction(env, exports, "writePoints", WritePoints)) return nullptr;
  if (!exportFunction(env, exports, "snappyElements", SnappyElements)) return nullptr;
  if (!exportFunction(env, exports, "snappyCompress", SnappyCompress)) return nullptr;
  if (!exportFunction(env, exports, "jsonUnescape", JsonUnescape)) return nullptr;
  if (!exportFunction(env, exports, "jsonValues", JsonValues)) return nullptr;
  if (!exportFunction(env, exports, "xorRead", XorRead)) return nullptr;
  if (!exportFunction(env, exports, "trigramsAdd", TrigramsAdd)) return nullptr;
  if (!exportFunction(env, exports, "copySpans", CopySpans)) return nullptr;
  if (!exportFunction(env, exports, "bloomTrigrams", BloomTrigrams)) return nullptr;
  if (!exportFunction(env, exports, "zstdVersion", ZstdVersion)) return nullptr;
  if (!exportFunction(env, exports, "zstdCompress", ZstdCompress)) return nullptr;
  if (!exportFunction(env, exports, "mallocTrim", MallocTrim)) return nullptr;
  if (!exportFunction(env, exports, "untokenizeChunk", UntokenizeChunk)) return nullptr;
  if (!exportFunction(env, exports, "tokenizeChunk", TokenizeChunk)) return nullptr;
  return exports;
}
