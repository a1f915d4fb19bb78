// Node v12.22.9's http.STATUS_CODES: the reason phrase of each status code.
//
// Public names follow Node's spelling (STATUS_CODES), so that Node's documentation
// reads straight onto these declarations; other names follow Google C++ style.
//
// Everything here is immutable static data: safe from any thread, never throws,
// and every string_view returned points to static storage (valid forever).
#ifndef HTTP_STATUS_CODES_H_
#define HTTP_STATUS_CODES_H_

#include <span>
#include <string_view>

namespace http {

struct StatusCodeEntry {
  int code;
  std::string_view reason;
};

// Exactly Node v12.22.9's table, in ascending code order (the order in which
// JSON.stringify(http.STATUS_CODES) lists it). 63 entries. Note v12's wording where
// later versions differ: 418 "I'm a Teapot", 425 "Unordered Collection".
extern const std::span<const StatusCodeEntry> STATUS_CODES;

// The reason phrase of `code`, or an empty view when the table has no such code
// (no entry has an empty phrase). Constant time. noexcept.
std::string_view StatusText(int code) noexcept;

// StatusText(code), or "unknown" when absent: what v12's writeHead puts in the
// status line when neither a status message nor a table entry exists. noexcept.
std::string_view ReasonPhraseOrUnknown(int code) noexcept;

}  // namespace http

#endif  // HTTP_STATUS_CODES_H_
