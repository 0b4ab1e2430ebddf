// zstd from the system's shared library, opened with dlopen rather than linked: the
// headers (libzstd-dev) need not be installed to build, and where the library is missing
// the addon still loads and Cairn compresses with zstd's WebAssembly build instead.
// Debian and Ubuntu always ship libzstd.so.1 (apt depends on it).
#include "zstd.h"

#include <dlfcn.h>

namespace cairn {

namespace {

const ZstdApi* load() {
  void* lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) return nullptr;
  static ZstdApi api;
  api.versionNumber = reinterpret_cast<unsigned (*)()>(dlsym(lib, "ZSTD_versionNumber"));
  api.compressBound = reinterpret_cast<size_t (*)(size_t)>(dlsym(lib, "ZSTD_compressBound"));
  api.compress = reinterpret_cast<size_t (*)(void*, size_t, const void*, size_t, int)>(dlsym(lib, "ZSTD_compress"));
  api.isError = reinterpret_cast<unsigned (*)(size_t)>(dlsym(lib, "ZSTD_isError"));
  if (api.versionNumber == nullptr || api.compressBound == nullptr || api.compress == nullptr || api.isError == nullptr) return nullptr;
  return &api;
}

}  // namespace

const ZstdApi* zstd() {
  // A function-local static is initialised once, even with worker threads calling at once.
  static const ZstdApi* api = load();
  return api;
}

}  // namespace cairn
