// Shared by the ServerResponse tests (server_response_test.cc,
// server_response_head_test.cc): the expected bytes of v12's usual responses.
#ifndef TESTS_HTTP_SERVER_RESPONSE_UTIL_H_
#define TESTS_HTTP_SERVER_RESPONSE_UTIL_H_

#include <string>

#include "http/errors.h"
#include "http/server_response.h"
#include "tests/http/loopback.h"

namespace http_test {

// Runs `call`, then ends the response with the http::Error it threw as
// "CODE: message" (what the Node handlers write), or with "no error".
template <typename Fn>
void EndWithThrownError(http::ServerResponse& res, Fn call) {
  try {
    call();
  } catch (const http::Error& e) {
    res.end(std::string(e.code()) + ": " + std::string(e.message()));
    return;
  }
  res.end("no error");
}

class ServerResponse : public http_test::LoopbackTest {};

inline std::string Chunked(const std::string& head_and_user_headers, const std::string& chunks) {
  return head_and_user_headers +
         "Date: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Transfer-Encoding: chunked\r\n\r\n" +
         chunks;
}

inline std::string WithLength(const std::string& head_and_user_headers, const std::string& body) {
  return head_and_user_headers +
         "Date: DATE\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace http_test

#endif  // TESTS_HTTP_SERVER_RESPONSE_UTIL_H_
