// get: a small curl on the engine's HTTP client alone.
//
//   get URL
//
// Prints the status line, the headers as received and the body, and exits 0 on a
// response (whatever its status), 1 on an error (printed to stderr), 2 on bad usage.
#include <cstdio>
#include <string>

#include "http/client.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s URL\n", argv[0]);
    return 2;
  }
  int status = 1;
  try {
    http::run([&] {
      auto req = http::get(argv[1], [&](http::IncomingMessage& res) {
        status = 0;
        std::printf("HTTP/%.*s %d %.*s\r\n", static_cast<int>(res.httpVersion.size()),
                    res.httpVersion.data(), res.statusCode,
                    static_cast<int>(res.statusMessage.size()), res.statusMessage.data());
        for (const auto& h : res.rawHeaders()) {
          std::printf("%.*s: %.*s\r\n", static_cast<int>(h.name.size()), h.name.data(),
                      static_cast<int>(h.value.size()), h.value.data());
        }
        std::printf("\r\n");
        res.on<"data">([](std::string_view chunk) {
          std::fwrite(chunk.data(), 1, chunk.size(), stdout);
        });
        res.on<"aborted">([&] { status = 1; });
      });
      req->on<"error">([](const http::Error& e) {
        std::fprintf(stderr, "get: %.*s (%.*s)\n", static_cast<int>(e.message().size()),
                     e.message().data(), static_cast<int>(e.code().size()), e.code().data());
      });
    });
  } catch (const http::Error& e) {
    std::fprintf(stderr, "get: %s\n", e.what());
    return 1;
  }
  std::fflush(stdout);
  return status;
}
