// The engine's side of //benchmarks:vs_nginx: the responses of benchmarks/nginx/nginx.conf
// on the http layer.
//
//   plaintext_server [--host H] [--port P] [--threads N] [--server NAME]
//                    [--headers-timeout MS]   (server.headersTimeout; //benchmarks:slow_clients)
//
//   GET /     200 "Hello, World!" as text/plain, with nginx's header set in nginx's
//             order: Server, Date, Content-Type, Content-Length, Connection.
//   GET /64k  200, 64 KiB of application/octet-stream from memory.
//   GET /1m   200, 1 MiB of application/octet-stream from memory.
//   other     404 "Not Found" as text/plain.
//
// The Server value defaults to "uring-http/1", as long as nginx's "nginx/1.22.1", so
// both servers send the same number of bytes for "/". keepAliveTimeout is 0: no
// Keep-Alive header (nginx sends none either) and no limit on an idle keep-alive
// connection, so the benchmark's 10,000 idle connections stay open while measured.
// The socket timeout (120 s, armed per request) stays, as nginx arms its own timers.
//
// Prints "listening on H:P" once every thread accepts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/date_cache.h"
#include "http/server.h"

namespace {

constexpr std::string_view kHello = "Hello, World!";
constexpr std::string_view kNotFound = "Not Found";

// The large bodies, one copy per process, read-only and shared by every thread. They
// leave from here: end(std::shared_ptr<const std::string>) sends the bytes without a
// copy in user space (the kernel still copies them into the socket, where nginx's
// sendfile takes them from the page cache).
const std::shared_ptr<const std::string>& Body(size_t size) {
  static const auto k64k = std::make_shared<const std::string>(64 * 1024, 'x');
  static const auto k1m = std::make_shared<const std::string>(1024 * 1024, 'x');
  return size == k64k->size() ? k64k : k1m;
}

void Respond(http::IncomingMessage& req, http::ServerResponse& res, const std::string& server) {
  res.sendDate = false;  // Date goes second, as nginx sends it
  std::string_view date = http::UtcDate();
  std::string_view url = req.url;
  if (url == "/") {
    res.writeHead(200, {{"Server", server},
                        {"Date", date},
                        {"Content-Type", "text/plain"},
                        {"Content-Length", "13"}});
    res.end(kHello);
  } else if (url == "/64k" || url == "/1m") {
    const auto& body = Body(url == "/64k" ? 64 * 1024 : 1024 * 1024);
    res.setHeader("Server", server);
    res.setHeader("Date", date);
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Length", static_cast<int64_t>(body->size()));
    res.end(body);
  } else {
    res.writeHead(404, {{"Server", server},
                        {"Date", date},
                        {"Content-Type", "text/plain"},
                        {"Content-Length", "9"}});
    res.end(kNotFound);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 8080;
  int threads = 1;
  std::string server_name = "uring-http/1";
  long headers_timeout_ms = -1;  // the default
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--host")) host = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port")) port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--server")) server_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--headers-timeout")) headers_timeout_ms = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: %s [--host H] [--port P] [--threads N] [--server NAME] "
                   "[--headers-timeout MS]\n",
                   argv[0]);
      return 2;
    }
  }
  Body(0);  // build the bodies before the first request

  auto server = http::createServer(
      [&server_name](http::IncomingMessage& req, http::ServerResponse& res) {
        Respond(req, res, server_name);
      });
  server->keepAliveTimeout = 0;
  if (headers_timeout_ms >= 0) server->headersTimeout = static_cast<uint64_t>(headers_timeout_ms);
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
