// A hello server on the http layer alone: GET / answers 200 "Hello, World!".
//
//   hello_http [--host H] [--port P] [--threads N]
//
// Prints "listening on H:P" once it accepts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http/server.h"

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--host")) host = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port")) port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }

  auto server = http::createServer([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  });
  server->on<"error">([&](const http::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    std::exit(1);
  });
  server->listen(static_cast<uint16_t>(port), host, threads, [&] {
    std::printf("listening on %s:%d\n", host.c_str(), server->port());
    std::fflush(stdout);
  });
  server->join();
  return 0;
}
