// The server of //benchmarks:soak (benchmarks/soak.py): one route for each path a long
// mixed load must keep working, each answer one that its client can check byte for
// byte (benchmarks/soak_pattern.h). handlers_server.cc stays as it is, because vs_node
// compares it with node/handlers.js, which has no streaming route.
//
//   soak_server [--host H] [--port P] [--threads N]
//
//   any  /plaintext   "Hello, World!" as text/plain; a request body is not read (v12
//                     discards it once the response has finished)
//   POST /upload      reads the body to its end (chunked or Content-Length) and answers
//                     "bytes=N fnv=HHHHHHHHHHHHHHHH\n": its length and FNV-1a 64
//   GET  /stream?pieces=P&size=S&seed=X
//                     P write()s of S bytes, chunked: SoakByte(X, offset) for offsets
//                     0 .. P*S-1. Once write() returns false it waits for 'drain', as a
//                     Node stream that honours backpressure does.
//   GET  /stats       the counters below, and the server's receive memory, as JSON
//   other             404
//
// Prints "listening on H:P" once every thread accepts.
#include <atomic>
#include <charconv>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "benchmarks/soak_pattern.h"
#include "http/server.h"

namespace {

// Shared by the loop threads, read by /stats.
struct Counters {
  std::atomic<uint64_t> connections{0};       // 'connection' events
  std::atomic<int64_t> connections_open{0};   // minus the sockets' 'close'
  std::atomic<uint64_t> uploads{0};           // bodies read to their end and answered
  std::atomic<uint64_t> uploads_aborted{0};   // the request's 'aborted'
  std::atomic<uint64_t> upload_bytes{0};
  std::atomic<uint64_t> streams{0};           // responses that emitted 'finish'
  std::atomic<uint64_t> streams_closed{0};    // 'close' before 'finish'
  std::atomic<uint64_t> drains{0};            // 'drain' events that resumed a stream
} counters;

constexpr uint64_t kMaxPieces = 4096;
constexpr uint64_t kMaxPieceSize = 1 << 20;

// The value of `name` in the query of `url`, if it is a number.
bool QueryNumber(std::string_view url, std::string_view name, uint64_t* out) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = url.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      const char* first = pair.data() + name.size() + 1;
      const char* last = pair.data() + pair.size();
      auto [end, ec] = std::from_chars(first, last, *out);
      return ec == std::errc() && end == last;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

// One streaming response. The listeners registered on the response own it; they are
// dropped when the response is recycled after 'close', which frees it.
struct Stream {
  http::ServerResponse* res;
  uint64_t pieces, size, seed;
  uint64_t next = 0;  // the next piece to write
  bool ended = false;
  bool finished = false;
  bool closed = false;
  std::string piece;

  // Writes pieces until the response's queue is past its high-water mark, then
  // returns to wait for 'drain'; ends the response after the last piece (at once, or
  // on the 'drain' after it when its write() returned false).
  void Pump() {
    while (next < pieces) {
      uint64_t base = next * size;
      for (uint64_t i = 0; i < size; ++i) piece[i] = soak::SoakByte(seed, base + i);
      ++next;
      if (!res->write(std::string_view(piece))) return;
    }
    ended = true;
    res->end();
  }
};

void StartStream(http::IncomingMessage& req, http::ServerResponse& res) {
  auto s = std::make_shared<Stream>();
  s->res = &res;
  if (!QueryNumber(req.url, "pieces", &s->pieces) || !QueryNumber(req.url, "size", &s->size) ||
      !QueryNumber(req.url, "seed", &s->seed) || s->pieces > kMaxPieces ||
      s->size == 0 || s->size > kMaxPieceSize) {
    res.statusCode = 400;
    res.end("pieces, size and seed: numbers, pieces <= 4096, 0 < size <= 1048576\n");
    return;
  }
  s->piece.resize(s->size);
  res.setHeader("Content-Type", "application/octet-stream");
  res.on<"drain">([s] {
    if (s->closed || s->ended) return;
    counters.drains.fetch_add(1, std::memory_order_relaxed);
    s->Pump();
  });
  res.on<"finish">([s] {
    s->finished = true;
    counters.streams.fetch_add(1, std::memory_order_relaxed);
  });
  res.on<"close">([s] {
    s->closed = true;
    if (!s->finished) counters.streams_closed.fetch_add(1, std::memory_order_relaxed);
  });
  s->Pump();
}

struct Upload {
  uint64_t bytes = 0;
  uint64_t fnv = soak::kFnvOffset;
};

void StartUpload(http::IncomingMessage& req, http::ServerResponse& res) {
  auto u = std::make_shared<Upload>();
  req.on<"data">([u](std::string_view chunk) {
    u->bytes += chunk.size();
    u->fnv = soak::Fnv1a64(u->fnv, chunk);
  });
  req.on<"aborted">([] { counters.uploads_aborted.fetch_add(1, std::memory_order_relaxed); });
  req.on<"end">([u, &res] {
    char body[64];
    std::snprintf(body, sizeof body, "bytes=%" PRIu64 " fnv=%016" PRIx64 "\n", u->bytes, u->fnv);
    counters.uploads.fetch_add(1, std::memory_order_relaxed);
    counters.upload_bytes.fetch_add(u->bytes, std::memory_order_relaxed);
    res.setHeader("Content-Type", "text/plain");
    res.end(std::string_view(body));
  });
}

std::string Stats(const http::Server& server) {
  http::Server::RecvMemory m = server.recvMemory();
  auto n = [](const auto& a) { return std::to_string(a.load(std::memory_order_relaxed)); };
  return "{\"connections\":" + n(counters.connections) +
         ",\"connections_open\":" + n(counters.connections_open) +
         ",\"uploads\":" + n(counters.uploads) +
         ",\"uploads_aborted\":" + n(counters.uploads_aborted) +
         ",\"upload_bytes\":" + n(counters.upload_bytes) + ",\"streams\":" + n(counters.streams) +
         ",\"streams_closed\":" + n(counters.streams_closed) + ",\"drains\":" + n(counters.drains) +
         ",\"copied_bytes\":" + std::to_string(server.copiedBytes()) +
         ",\"ring_in_use\":" + std::to_string(m.ringInUse) +
         ",\"overflow_bytes\":" + std::to_string(m.overflowBytes) +
         ",\"waiters\":" + std::to_string(m.waiters) +
         ",\"enobufs\":" + std::to_string(m.enobufs) + "}\n";
}

void Handle(const http::Server& server, http::IncomingMessage& req, http::ServerResponse& res) {
  std::string_view url = req.url;
  std::string_view path = url.substr(0, url.find('?'));
  if (path == "/plaintext") {
    res.setHeader("Content-Type", "text/plain");
    res.end("Hello, World!");
  } else if (path == "/upload" && req.method == "POST") {
    StartUpload(req, res);
  } else if (path == "/stream" && req.method == "GET") {
    StartStream(req, res);
  } else if (path == "/stats") {
    res.setHeader("Content-Type", "application/json");
    res.end(Stats(server));
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
  http::Server* raw = nullptr;
  auto server = http::createServer(
      [&raw](http::IncomingMessage& req, http::ServerResponse& res) { Handle(*raw, req, res); });
  raw = server.get();
  server->on<"connection">([](http::Socket& socket) {
    counters.connections.fetch_add(1, std::memory_order_relaxed);
    counters.connections_open.fetch_add(1, std::memory_order_relaxed);
    socket.on<"close">(
        [](bool) { counters.connections_open.fetch_sub(1, std::memory_order_relaxed); });
  });
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
