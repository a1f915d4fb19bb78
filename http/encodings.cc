#include "http/encodings.h"

#include <array>
#include <cstdint>

#include "http/ascii.h"

namespace http {
namespace {

constexpr uint8_t kNotBase64 = 0xFF;

constexpr std::array<uint8_t, 256> BuildBase64Table() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kNotBase64;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (uint8_t i = 0; i < 62; ++i) t[static_cast<uint8_t>(alphabet[i])] = i;
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  return t;
}
constexpr std::array<uint8_t, 256> kBase64 = BuildBase64Table();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string DecodeHex(std::string_view chunk) {
  std::string out;
  out.reserve(chunk.size() / 2);
  for (size_t i = 0; i + 1 < chunk.size(); i += 2) {
    int hi = HexValue(chunk[i]), lo = HexValue(chunk[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

// v12 sizes the buffer from the length before decoding (trailing '=' aside), and
// never writes past it.
size_t Base64SizeBound(std::string_view s) {
  size_t n = s.size();
  if (n < 2) return 0;
  if (s[n - 1] == '=') {
    --n;
    if (s[n - 1] == '=') --n;
  }
  size_t size = n / 4 * 3;
  size_t rest = n % 4;
  if (rest != 0 && !(size == 0 && rest == 1)) size += 1 + (rest == 3 ? 1 : 0);
  return size;
}

std::string DecodeBase64(std::string_view chunk) {
  size_t bound = Base64SizeBound(chunk);
  std::string out;
  out.reserve(bound);
  uint32_t group = 0;
  int chars = 0;
  for (char c : chunk) {
    uint8_t v = kBase64[static_cast<uint8_t>(c)];
    if (v == kNotBase64) {
      if (c == '=') break;
      continue;
    }
    group = group << 6 | v;
    if (++chars == 4) {
      for (int shift : {16, 8, 0}) out.push_back(static_cast<char>(group >> shift));
      chars = 0;
      group = 0;
    }
  }
  if (chars == 2) out.push_back(static_cast<char>(group >> 4));
  if (chars == 3) {
    out.push_back(static_cast<char>(group >> 10));
    out.push_back(static_cast<char>(group >> 2));
  }
  if (out.size() > bound) out.resize(bound);
  return out;
}

// The code point of the UTF-8 sequence at s[*i], advancing *i past it; U+FFFD (and
// one byte) for a sequence that is not valid UTF-8.
uint32_t NextCodePoint(std::string_view s, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(*i);
  size_t len = b0 < 0x80           ? 1
               : (b0 >> 5) == 0x6  ? 2
               : (b0 >> 4) == 0xE  ? 3
               : (b0 >> 3) == 0x1E ? 4
                                   : 0;
  if (len == 1) {
    ++*i;
    return b0;
  }
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = b0 & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = cp << 6 | (b & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += len;
  return cp;
}

std::string EncodeUtf16le(std::string_view chunk) {
  std::string out;
  out.reserve(chunk.size() * 2);
  auto unit = [&out](uint32_t u) {
    out.push_back(static_cast<char>(u & 0xFF));
    out.push_back(static_cast<char>(u >> 8));
  };
  for (size_t i = 0; i < chunk.size();) {
    uint32_t cp = NextCodePoint(chunk, &i);
    if (cp < 0x10000) {
      unit(cp);
    } else {
      cp -= 0x10000;
      unit(0xD800 | (cp >> 10));
      unit(0xDC00 | (cp & 0x3FF));
    }
  }
  return out;
}

}  // namespace

std::string DecodeChunk(std::string_view chunk, std::string_view encoding) {
  if (EqualsIgnoreCase(encoding, "hex")) return DecodeHex(chunk);
  if (EqualsIgnoreCase(encoding, "base64")) return DecodeBase64(chunk);
  for (std::string_view name : {"ucs2", "ucs-2", "utf16le", "utf-16le"}) {
    if (EqualsIgnoreCase(encoding, name)) return EncodeUtf16le(chunk);
  }
  return std::string(chunk);
}

}  // namespace http
