// The Date header value, formatted once per second per thread (as Node caches
// utcDate() for the rest of the second).
#ifndef HTTP_DATE_CACHE_H_
#define HTTP_DATE_CACHE_H_

#include <string_view>

namespace http {

// "Mon, 23 Nov 2026 20:00:00 GMT" for the current second. The view is valid until
// the next call on this thread.
std::string_view UtcDate();

}  // namespace http

#endif  // HTTP_DATE_CACHE_H_
