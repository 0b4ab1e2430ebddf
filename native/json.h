// The Loki JSON push decoder's native loops (json.cc): unescaping a string, and reading a
// stream's plain entries into columns.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cairn {

// Decodes the JSON string whose bytes start at in[ip] (past its opening quote) into
// out[op, outLen): escapes resolved (a \u surrogate pair as one code point in UTF-8, a lone
// surrogate as U+FFFD), other bytes as they are. True with *inEnd past the closing quote
// and *outEnd past the last byte written; false on a control character, an escape JSON
// does not have, a string without its closing quote, or out too small.
bool jsonUnescape(const uint8_t* in, size_t inLen, size_t ip, uint8_t* out, size_t outLen, size_t op, size_t* inEnd, size_t* outEnd);

// What jsonValues stopped at (state[0]).
enum JsonValuesStop { kValuesEnd = 0, kColumnsFull = 1, kEntryForCaller = 2, kValuesInvalid = 3 };

// The columns jsonValues fills, from index *count up to capacity.
struct EntryColumnsOut {
  double* tMs;
  int32_t* tNs;
  int32_t* start;
  int32_t* end;
  size_t capacity;
};

// Reads the elements of a Loki push's `values` array from in[*ip] (an element's start,
// whitespace allowed) while they are `["<ns>","<line>"]`: each becomes an entry of the
// columns at *count, its line unescaped into side from *sideAt (jsonUnescape) and given as
// its range there. Stops at the array's end (*ip past its `]`), when the columns are full,
// at an element it leaves to the caller (*ip at that element: metadata, a timestamp it does
// not read, a control character), or at bytes that are not JSON (kValuesInvalid).
JsonValuesStop jsonValues(const uint8_t* in, size_t inLen, size_t* ip, uint8_t* side, size_t sideLen, size_t* sideAt, EntryColumnsOut cols, size_t* count);

}  // namespace cairn
