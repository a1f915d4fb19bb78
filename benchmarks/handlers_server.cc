// The engine's side of //benchmarks:vs_node: benchmarks/node/handlers.js's handlers
// in the C++ API, one for one, so the comparison includes the Node-shaped API's work.
// The harness checks that both answer every URL with the same bytes (Date aside).
//
//   handlers_server [--host H] [--port P] [--threads N]
//
// Prints "listening on H:P" once every thread accepts.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/server.h"

namespace {

// Per thread, as each Node process has its own counter.
thread_local int json_id = 0;

// JSON.stringify({message: 'Hello, World!', id}) for this object's shape.
std::string Json(int id) {
  std::string out = R"({"message":"Hello, World!","id":)";
  out += std::to_string(id);
  out += '}';
  return out;
}

void Handle(http::IncomingMessage& req, http::ServerResponse& res) {
  std::string_view url = req.url;
  if (url == "/plaintext") {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  } else if (url == "/json") {
    res.setHeader("Content-Type", "application/json");
    res.end(Json(json_id++ % 1000));
  } else if (url == "/headers") {
    const http::IncomingHeaders& h = req.headers();
    res.writeHead(200, {{"Content-Type", "text/plain"},
                        {"Cache-Control", "no-store"},
                        {"X-User-Agent", h.get("user-agent").value_or("")},
                        {"X-Accept", h.get("accept").value_or("")},
                        {"Content-Length", "2"}});
    res.end("ok");
  } else if (url == "/chunked") {
    res.setHeader("Content-Type", "text/plain");
    res.setHeader("Trailer", "X-Parts");
    res.write("first part, ");
    res.write("second part, ");
    res.write("third part, ");
    res.write("last part.");
    res.addTrailers({{"X-Parts", "4"}});
    res.end();
  } else if (url == "/echo") {
    // The body's views last only for the 'data' call: collect them, as Node's
    // Buffer.concat does.
    auto body = std::make_shared<std::string>();
    req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
    req.on<"end">([body, &res] {
      res.setHeader("Content-Type", "application/octet-stream");
      res.end(std::move(*body));
    });
  } else {
    res.statusCode = 404;
    res.end("Not Found");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 1;
  for (int i = 1; i < argc; i += 2) {
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (value != nullptr && !std::strcmp(argv[i], "--host")) host = value;
    else if (value != nullptr && !std::strcmp(argv[i], "--port")) port = std::atoi(value);
    else if (value != nullptr && !std::strcmp(argv[i], "--threads")) threads = std::atoi(value);
    else {
      std::fprintf(stderr, "usage: %s [--host H] [--port P] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  auto server = http::createServer(Handle);
  server->on<"error">([](const http::Error& e) {
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
