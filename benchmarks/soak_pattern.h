// The bytes //benchmarks:soak's server and client agree on, so that each side can check
// the other's without keeping a copy: soak_server.cc streams SoakByte(seed, 0..n) and
// soak_client.cc compares every byte it receives; soak_client.cc uploads the same
// pattern and soak_server.cc answers with its length and Fnv1a64, which the client
// computed before it sent. soak_client_test.py has the same two functions in Python,
// for its small servers.
#ifndef BENCHMARKS_SOAK_PATTERN_H_
#define BENCHMARKS_SOAK_PATTERN_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace soak {

// Letters, so that a chunk-size line or a CRLF in the wrong place is a mismatch. The
// mix changes every 16 bytes, so a piece that is dropped, repeated or moved shows at
// its first byte rather than only in the total length.
inline char SoakByte(uint64_t seed, uint64_t offset) {
  uint64_t x = (seed ^ (offset >> 4)) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return static_cast<char>('a' + (x + offset) % 26);
}

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;

// FNV-1a, 64 bits, continued from `hash` over `bytes`.
inline uint64_t Fnv1a64(uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace soak

#endif  // BENCHMARKS_SOAK_PATTERN_H_
