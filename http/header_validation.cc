#include "http/header_validation.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "http/ascii.h"
#include "http/errors.h"

namespace http {
namespace {

constexpr std::array<bool, 256> BuildTokenTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}

constexpr std::array<bool, 256> BuildInvalidValueTable() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = c != '\t';
  table[0x7F] = true;
  return table;
}

constexpr std::array<bool, 256> kTokenChar = BuildTokenTable();
constexpr std::array<bool, 256> kInvalidValueChar = BuildInvalidValueTable();

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Nonzero when some byte of `w` is below 0x20 or is 0x7F: the only bytes that can be
// invalid. Exact as a yes/no answer (the "hasless" and "haszero" bit tricks).
constexpr uint64_t MayHoldInvalid(uint64_t w) {
  uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
  uint64_t del = w ^ (kOnes * 0x7F);
  uint64_t is_del = (del - kOnes) & ~del & kHighs;
  return below_space | is_del;
}

bool AnyInvalidByte(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (kInvalidValueChar[p[i]]) return true;
  }
  return false;
}

// JavaScript's \w without the u flag: ASCII only.
bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

bool IsHttpToken(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool HasInvalidHeaderChar(std::string_view s) noexcept {
  // Values can be long (cookies): check eight bytes at a time and look closer only
  // at a word holding a control byte or DEL, which for valid values means a tab.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (MayHoldInvalid(w) != 0 && AnyInvalidByte(p, 8)) return true;
    p += 8;
    n -= 8;
  }
  return AnyInvalidByte(p, n);
}

bool HasWordIgnoreCase(std::string_view value, std::string_view word) noexcept {
  for (size_t i = 0; i + word.size() <= value.size(); ++i) {
    if (!EqualsIgnoreCase(value.substr(i, word.size()), word)) continue;
    size_t end = i + word.size();
    if ((i == 0 || !IsWordByte(value[i - 1])) && (end == value.size() || !IsWordByte(value[end]))) {
      return true;
    }
  }
  return false;
}

void ValidateHeaderName(std::string_view name) {
  if (!IsHttpToken(name)) throw Error::InvalidHttpToken("Header name", name);
}

void ValidateHeaderValue(std::string_view name, std::string_view value) {
  if (HasInvalidHeaderChar(value)) throw Error::InvalidChar("header content", name);
}

void ValidateTrailerName(std::string_view name) {
  if (!IsHttpToken(name)) throw Error::InvalidHttpToken("Trailer name", name);
}

void ValidateTrailerValue(std::string_view name, std::string_view value) {
  if (HasInvalidHeaderChar(value)) throw Error::InvalidChar("trailer content", name);
}

}  // namespace http
