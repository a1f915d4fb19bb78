// The engine's side of //benchmarks:vs_nginx: the responses of benchmarks/nginx/nginx.conf
// on the http layer.
//
//   plaintext_server [--host H] [--port P] [--threads N] [--server NAME]
//                    [--headers-timeout MS]   (server.headersTimeout; //benchmarks:slow_clients)
//                    [--reuse-port] [--shutdown-grace MS]   (restarts: //benchmarks:faults)
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
// Prints "listening on H:P" once every thread accepts. SIGTERM or SIGINT calls
// server.shutdown(MS) (default 1000; docs/DEPLOY.md): the process exits with status 0
// once its last connection has ended, having dropped no request. With --reuse-port
// (ServerOptions::reusePort) a new process can take the port over meanwhile.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

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
  bool reuse_port = false;
  uint64_t shutdown_grace_ms = 1000;
  for (int i = 1; i < argc; ++i) {
    bool has_value = i + 1 < argc;
    if (!std::strcmp(argv[i], "--reuse-port")) {
      reuse_port = true;
    } else if (has_value && !std::strcmp(argv[i], "--host")) {
      host = argv[++i];
    } else if (has_value && !std::strcmp(argv[i], "--port")) {
      port = std::atoi(argv[++i]);
    } else if (has_value && !std::strcmp(argv[i], "--threads")) {
      threads = std::atoi(argv[++i]);
    } else if (has_value && !std::strcmp(argv[i], "--server")) {
      server_name = argv[++i];
    } else if (has_value && !std::strcmp(argv[i], "--headers-timeout")) {
      headers_timeout_ms = std::atol(argv[++i]);
    } else if (has_value && !std::strcmp(argv[i], "--shutdown-grace")) {
      shutdown_grace_ms = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--host H] [--port P] [--threads N] [--server NAME] "
                   "[--headers-timeout MS] [--reuse-port] [--shutdown-grace MS]\n",
                   argv[0]);
      return 2;
    }
  }
  // The loops' threads inherit the mask: the signals reach only sigwait below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  Body(0);  // build the bodies before the first request

  http::ServerOptions options;
  options.reusePort = reuse_port;
  auto server = http::createServer(
      options, [&server_name](http::IncomingMessage& req, http::ServerResponse& res) {
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
  // Runs until the server has closed (it never returns otherwise); detached.
  std::thread([&server, &stop_signals, shutdown_grace_ms] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::printf("shutting down (signal %d, grace %llu ms)\n", sig,
                static_cast<unsigned long long>(shutdown_grace_ms));
    std::fflush(stdout);
    server->shutdown(shutdown_grace_ms);
  }).detach();
  server->join();
  std::printf("closed\n");
  std::fflush(stdout);
  return 0;
}
