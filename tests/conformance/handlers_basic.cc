// C++ handlers for the response-shape scenarios; each mirrors its handler.js.
#include "tests/conformance/scenario.h"

namespace {

using http::IncomingMessage;
using http::ServerResponse;

CONFORMANCE_SCENARIO("001_hello_end", HelloEnd) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      res.setHeader("Content-Type", "text/plain");
      res.end("Hello, World!");
    });
  }};
}

}  // namespace
