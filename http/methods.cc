#include "http/methods.h"

#include <llhttp.h>

#include <array>

namespace http {
namespace {

// Captured from v12.22.9: JSON.stringify(require('http').METHODS).
constexpr std::array<std::string_view, 35> kMethods = {
    "ACL",      "BIND",      "CHECKOUT", "CONNECT",  "COPY",   "DELETE",     "GET",
    "HEAD",     "LINK",      "LOCK",     "M-SEARCH", "MERGE",  "MKACTIVITY", "MKCALENDAR",
    "MKCOL",    "MOVE",      "NOTIFY",   "OPTIONS",  "PATCH",  "POST",       "PRI",
    "PROPFIND", "PROPPATCH", "PURGE",    "PUT",      "REBIND", "REPORT",     "SEARCH",
    "SOURCE",   "SUBSCRIBE", "TRACE",    "UNBIND",   "UNLINK", "UNLOCK",     "UNSUBSCRIBE",
};

// Built from llhttp's own map, so that a newer llhttp's methods appear by themselves.
constexpr int MaxMethod() {
  int m = 0;
#define HTTP_METHOD_UPDATE(num, name, string) m = (num) > m ? (num) : m;
  HTTP_ALL_METHOD_MAP(HTTP_METHOD_UPDATE)
#undef HTTP_METHOD_UPDATE
  return m;
}

constexpr std::array<std::string_view, MaxMethod() + 1> BuildNames() {
  std::array<std::string_view, MaxMethod() + 1> names{};
#define HTTP_METHOD_NAME(num, name, string) names[num] = #string;
  HTTP_ALL_METHOD_MAP(HTTP_METHOD_NAME)
#undef HTTP_METHOD_NAME
  return names;
}

constexpr auto kNames = BuildNames();
static_assert(kNames[HTTP_GET] == "GET" && kNames[HTTP_MSEARCH] == "M-SEARCH");

}  // namespace

constinit const std::span<const std::string_view> METHODS{kMethods};

std::string_view MethodName(int method) noexcept {
  if (method < 0 || method >= static_cast<int>(kNames.size())) return {};
  return kNames[static_cast<size_t>(method)];
}

}  // namespace http
