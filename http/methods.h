// Node v12.22.9's http.METHODS, and the name of each method llhttp reports.
//
// Public names follow Node's spelling (METHODS), so that Node's documentation reads
// straight onto these declarations; other names follow Google C++ style.
//
// Everything here is immutable static data: safe from any thread, never throws,
// and every string_view returned points to static storage (valid forever).
#ifndef HTTP_METHODS_H_
#define HTTP_METHODS_H_

#include <span>
#include <string_view>

namespace http {

// Exactly v12.22.9's http.METHODS: 35 names, sorted as Node sorts them. It is the
// method list of the llhttp Node v12 bundled (2.1.4), which differs from the llhttp
// this project builds (8.1): v12 lists PRI, and knows no RTSP methods.
extern const std::span<const std::string_view> METHODS;

// The name of the method whose llhttp (8.1) enum value is `method` (llhttp_method_t,
// as in llhttp_t::method), e.g. 1 -> "GET", 24 -> "M-SEARCH"; RTSP methods included.
// An empty view for a value llhttp does not define. Unlike llhttp_method_name(), never
// aborts. noexcept.
std::string_view MethodName(int method) noexcept;

}  // namespace http

#endif  // HTTP_METHODS_H_
