// Tokenizing and untokenizing a log chunk (src/logstore/chunk/line-tokens.ts describes the form).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn {

// What untokenizeChunk returns for malformed input (with *error set to why).
constexpr int64_t kTokensCorrupt = INT64_MIN;

// Writes the chunk that `src` (line-tokens.ts tokenizeChunk's output) holds into `out`:
// returns its length, minus the length needed when outLen is too small (nothing useful
// written), or kTokensCorrupt with *error set when src is malformed. Without `lines`, only
// the chunk's columns are written and src's text and ids are not read. Never reads or
// writes outside [src, src + n) and [out, out + outLen).
int64_t untokenizeChunk(const uint8_t* src, size_t n, uint8_t* out, size_t outLen, bool lines, const char** error);

// Most bytes tokenizeChunk writes for an n-byte chunk.
inline size_t tokenizedBound(size_t n) { return 2 * n + 64; }

// Writes the tokenized form of the chunk raw[0, n) into out (which has at least
// tokenizedBound(n) bytes) and returns its length; 0 when raw is not a well-formed chunk
// (the caller keeps it as it is). The same bytes as line-tokens.ts tokenize().
size_t tokenizeChunk(const uint8_t* raw, size_t n, uint8_t* out);

}  // namespace cairn
