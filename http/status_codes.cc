#include "http/status_codes.h"

#include <array>
#include <cstdint>

namespace http {
namespace {

// Captured from v12.22.9: JSON.stringify(require('http').STATUS_CODES).
constexpr std::array<StatusCodeEntry, 63> kTable = {{
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a Teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Unordered Collection"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {509, "Bandwidth Limit Exceeded"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
}};

// Every code lies in [100, 600): a direct index from code to table slot + 1 (0 for
// none) makes StatusText one load, since writeHead calls it per response.
constexpr int kFirstCode = 100;
constexpr int kEndCode = 600;

constexpr std::array<uint8_t, kEndCode - kFirstCode> BuildIndex() {
  std::array<uint8_t, kEndCode - kFirstCode> index{};
  for (size_t i = 0; i < kTable.size(); ++i) {
    index[static_cast<size_t>(kTable[i].code - kFirstCode)] = static_cast<uint8_t>(i + 1);
  }
  return index;
}

constexpr std::array<uint8_t, kEndCode - kFirstCode> kIndex = BuildIndex();

}  // namespace

constinit const std::span<const StatusCodeEntry> STATUS_CODES{kTable};

std::string_view StatusText(int code) noexcept {
  if (code < kFirstCode || code >= kEndCode) return {};
  uint8_t slot = kIndex[static_cast<size_t>(code - kFirstCode)];
  return slot == 0 ? std::string_view() : kTable[slot - 1].reason;
}

std::string_view ReasonPhraseOrUnknown(int code) noexcept {
  std::string_view text = StatusText(code);
  return text.empty() ? std::string_view("unknown") : text;
}

}  // namespace http
