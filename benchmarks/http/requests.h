// The requests the http benchmarks parse, and the headers their responses set.
#ifndef BENCHMARKS_HTTP_REQUESTS_H_
#define BENCHMARKS_HTTP_REQUESTS_H_

#include <string>
#include <string_view>
#include <utility>

namespace bench {

// What Chrome 119 on Linux sends for a script on a site it has cookies for: the
// request line and 15 headers, about 800 bytes.
inline constexpr std::string_view kBrowserRequest =
    "GET /static/js/app.3f9a1c.js?v=20231120 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Google Chrome\";v=\"119\", \"Chromium\";v=\"119\", \"Not?A_Brand\";v=\"24\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "Accept: */*\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: no-cors\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "Referer: https://www.example.com/account/settings\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8\r\n"
    "Cookie: _ga=GA1.2.1716503217.1700481123; _gid=GA1.2.90214117.1700481123; "
    "session=eyJ1aWQiOjQyLCJleHAiOjE3MDA1Njc1MjN9.q3FxZ0m9oQ8kR2; theme=dark\r\n"
    "If-None-Match: W/\"5e1-18bf2c3a9d0\"\r\n"
    "\r\n";
inline constexpr int kBrowserHeaders = 15;

// What wrk sends (wrk.format() for http://127.0.0.1:8080/), as in the load
// harness's pipeline-16 scenario.
inline constexpr std::string_view kWrkRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
inline constexpr int kWrkHeaders = 1;

// A browser request as it reaches a server behind two proxies, with the duplicates
// Node merges: Cookie split over two lines (HTTP/2 hops do that; joined with "; "),
// two X-Forwarded-For and two Accept lines (joined with ", "), a repeated User-Agent
// (the later one dropped), and two Set-Cookie lines (kept as a list): 21 header lines, 862 bytes.
inline constexpr std::string_view kProxiedRequest =
    "GET /api/v2/orders?page=3&sort=-created HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "Connection: keep-alive\r\n"
    "sec-ch-ua: \"Google Chrome\";v=\"119\", \"Chromium\";v=\"119\", \"Not?A_Brand\";v=\"24\"\r\n"
    "sec-ch-ua-mobile: ?0\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36\r\n"
    "sec-ch-ua-platform: \"Linux\"\r\n"
    "Accept: application/json\r\n"
    "Accept: text/plain;q=0.5\r\n"
    "Sec-Fetch-Site: same-origin\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Referer: https://shop.example.com/orders\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8\r\n"
    "Cookie: _ga=GA1.2.1716503217.1700481123; _gid=GA1.2.90214117.1700481123\r\n"
    "Cookie: session=eyJ1aWQiOjQyLCJleHAiOjE3MDA1Njc1MjN9.q3FxZ0m9oQ8kR2; theme=dark\r\n"
    "X-Forwarded-For: 203.0.113.7\r\n"
    "X-Forwarded-For: 10.1.2.3\r\n"
    "User-Agent: curl/8.4.0\r\n"
    "Set-Cookie: a=1\r\n"
    "Set-Cookie: b=2\r\n"
    "\r\n";
inline constexpr int kProxiedHeaders = 21;

// The two-byte name of field `i` of ManyFieldsRequest: "00", "01", ... "zz".
inline std::string ShortName(int i) {
  constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  return {kDigits[static_cast<size_t>(i / 36 % 36)], kDigits[static_cast<size_t>(i % 36)]};
}

// A GET with `lines` header lines of distinct two-byte names ShortName(line % names),
// each with the value line / names (one digit while lines / names <= 10): what a
// client can send to make req.headers costly. 1,000 lines take 7,018 bytes, under
// the 8 KiB head limit.
inline std::string ManyFieldsRequest(int lines, int names) {
  std::string r = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < lines; ++i) {
    r += ShortName(i % names) + ": " + std::to_string(i / names) + "\r\n";
  }
  return r + "\r\n";
}

// Eight response headers a static-file server might set.
inline constexpr std::pair<std::string_view, std::string_view> kEightHeaders[] = {
    {"Server", "uring-http/1"},
    {"Content-Type", "text/plain; charset=utf-8"},
    {"Content-Length", "13"},
    {"Cache-Control", "public, max-age=3600"},
    {"ETag", "W/\"d-bNNVbesNpUvKBgtMOUeYOQ\""},
    {"Vary", "Accept-Encoding"},
    {"X-Content-Type-Options", "nosniff"},
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
};

}  // namespace bench

#endif  // BENCHMARKS_HTTP_REQUESTS_H_
