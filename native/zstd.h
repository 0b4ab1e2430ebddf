// The system's zstd (libzstd.so.1), loaded at run time (zstd.cc).
#pragma once
#include <cstddef>

namespace cairn {

// The few entry points Cairn calls, with zstd's own signatures (zstd.h, stable API).
struct ZstdApi {
  unsigned (*versionNumber)();
  size_t (*compressBound)(size_t srcSize);
  size_t (*compress)(void* dst, size_t dstCapacity, const void* src, size_t srcSize, int level);
  unsigned (*isError)(size_t code);
};

// libzstd's entry points, or nullptr when the library is not installed or lacks one of
// them. Loaded once per process, on first call (thread-safe).
const ZstdApi* zstd();

}  // namespace cairn
