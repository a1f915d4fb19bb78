// What a ServerResponse costs to render into iovecs, without a socket:
//   1. Reset(): the connection's reuse of a pooled response (ServerConnection::Recycle).
//   2. The handler's calls (setHeader/writeHead, write, addTrailers, end). With no
//      connection attached, the bytes stay in the response's OutBuf.
//   3. OutBuf::TakePending() into a vector of iovecs: what
//      ServerConnection::SendMessageBytes does before the engine's sendmsg.
// Reset() and the OutBuf are private (the connection is their friend); they are
// reached through private_access.h, so the code measured is the server's own.
//
//   BM_ResponsePlaintext        setHeader Content-Type, end("Hello, World!"): the
//                               head v12 renders with Date, Connection, Keep-Alive and
//                               Content-Length added (162 bytes with the body).
//   BM_ResponseWriteHead8       writeHead(200, {8 headers}), end("Hello, World!").
//   BM_ResponseSetHeader8       the same 8 headers through setHeader, then end(): the
//                               OutgoingHeaders store and its serialisation.
//   BM_ResponseFreshPlaintext   BM_ResponsePlaintext on a new ServerResponse each
//                               time (public API only): what the pool saves.
//   BM_ResponseChunked/P/S      chunked framing: setHeader x2, P write()s of S bytes
//                               each taken out as the server does after every write,
//                               addTrailers, end().
// items/s: responses; bytes/s: response bytes rendered; allocs/res: heap allocations
// per response; iov/res (chunked): iovecs handed out per response.
#include <benchmark/benchmark.h>
#include <sys/uio.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchmarks/http/alloc_count.h"
#include "benchmarks/http/private_access.h"
#include "benchmarks/http/requests.h"
#include "http/date_cache.h"
#include "http/out_buffer.h"
#include "http/server_response.h"

namespace bench {
struct ResponseReset {
  using type = void (http::ServerResponse::*)();
  friend type Get(ResponseReset);
};
template struct Expose<ResponseReset, &http::ServerResponse::Reset>;

struct ResponseOut {
  using type = http::OutBuf http::OutgoingMessage::*;
  friend type Get(ResponseOut);
};
template struct Expose<ResponseOut, &http::OutgoingMessage::out_>;
}  // namespace bench

namespace {

constexpr double kMinTime = 0.5;
constexpr std::string_view kHello = "Hello, World!";

void Reset(http::ServerResponse& res) { (res.*Get(bench::ResponseReset{}))(); }

// Hands the response's pending bytes out as the connection does; returns their size.
size_t Take(http::ServerResponse& res, std::vector<iovec>* iov) {
  size_t from = iov->size();
  (res.*Get(bench::ResponseOut{})).TakePending(iov);
  size_t bytes = 0;
  for (size_t i = from; i < iov->size(); ++i) bytes += (*iov)[i].iov_len;
  return bytes;
}

std::string Join(const std::vector<iovec>& iov) {
  std::string s;
  for (const iovec& v : iov) s.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return s;
}

// A few rounds before timing, so that the strings and vectors a pooled response keeps
// have grown to their size (the head is rendered into two strings in turn).
template <typename F>
void Warm(http::ServerResponse& res, F scenario) {
  std::vector<iovec> iov;
  for (int i = 0; i < 4; ++i) {
    Reset(res);
    scenario();
    Take(res, &iov);
    iov.clear();
  }
}

// --- the scenarios: the handler's calls ------------------------------------------

void Plaintext(http::ServerResponse& res) {
  res.setHeader("Content-Type", "text/plain");
  res.end(kHello);
}
std::string PlaintextExpected(std::string_view date) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: " + std::string(date) +
         "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 13\r\n\r\n" +
         std::string(kHello);
}

std::string EightExpected(std::string_view date) {
  std::string s = "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : bench::kEightHeaders) s.append(name).append(": ").append(value).append("\r\n");
  return s + "Date: " + std::string(date) +
         "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n" + std::string(kHello);
}

void WriteHead8(http::ServerResponse& res) {
  res.writeHead(200, {bench::kEightHeaders[0], bench::kEightHeaders[1], bench::kEightHeaders[2], bench::kEightHeaders[3], bench::kEightHeaders[4], bench::kEightHeaders[5], bench::kEightHeaders[6],
                      bench::kEightHeaders[7]});
  res.end(kHello);
}

void SetHeader8(http::ServerResponse& res) {
  for (const auto& [name, value] : bench::kEightHeaders) res.setHeader(name, value);
  res.end(kHello);
}

// --- the benchmarks ------------------------------------------------------------------

using Scenario = void (*)(http::ServerResponse&);
using Expected = std::string (*)(std::string_view date);

// Renders once and compares with the expected bytes (again if the second turned
// between the render and UtcDate()); an empty string when all is well.
std::string Check(http::ServerResponse& res, Scenario scenario, Expected expected) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Reset(res);
    scenario(res);
    std::vector<iovec> iov;
    Take(res, &iov);
    std::string got = Join(iov);
    if (got == expected(http::UtcDate())) return {};
    if (attempt == 1) return "unexpected response bytes: " + got;
  }
  return {};
}

void RunPooled(benchmark::State& state, Scenario scenario, Expected expected) {
  auto res = std::make_unique<http::ServerResponse>();
  if (std::string error = Check(*res, scenario, expected); !error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  const size_t size = expected(http::UtcDate()).size();
  std::vector<iovec> iov;
  iov.reserve(8);
  Warm(*res, [&] { scenario(*res); });
  int64_t bytes = 0;
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    Reset(*res);
    scenario(*res);
    bytes += static_cast<int64_t>(Take(*res, &iov));
    benchmark::DoNotOptimize(iov.data());
    benchmark::ClobberMemory();
    iov.clear();
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto n = static_cast<int64_t>(state.iterations());
  if (bytes != n * static_cast<int64_t>(size)) state.SkipWithError("a response had the wrong size");
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  state.counters["allocs/res"] = static_cast<double>(allocs) / static_cast<double>(n);
}

void BM_ResponsePlaintext(benchmark::State& state) {
  RunPooled(state, Plaintext, PlaintextExpected);
}
BENCHMARK(BM_ResponsePlaintext)->MinTime(kMinTime);

void BM_ResponseWriteHead8(benchmark::State& state) { RunPooled(state, WriteHead8, EightExpected); }
BENCHMARK(BM_ResponseWriteHead8)->MinTime(kMinTime);

void BM_ResponseSetHeader8(benchmark::State& state) { RunPooled(state, SetHeader8, EightExpected); }
BENCHMARK(BM_ResponseSetHeader8)->MinTime(kMinTime);

void BM_ResponseFreshPlaintext(benchmark::State& state) {
  std::vector<iovec> iov;
  iov.reserve(8);
  {
    http::ServerResponse res;
    Plaintext(res);
    Take(res, &iov);
    std::string got = Join(iov);
    if (got != PlaintextExpected(http::UtcDate())) {
      state.SkipWithError(("unexpected response bytes: " + got).c_str());
      return;
    }
    iov.clear();
  }
  int64_t bytes = 0;
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    http::ServerResponse res;
    Plaintext(res);
    bytes += static_cast<int64_t>(Take(res, &iov));
    benchmark::DoNotOptimize(iov.data());
    benchmark::ClobberMemory();
    iov.clear();
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto n = static_cast<int64_t>(state.iterations());
  if (bytes != n * static_cast<int64_t>(PlaintextExpected(http::UtcDate()).size())) {
    state.SkipWithError("a response had the wrong size");
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  state.counters["allocs/res"] = static_cast<double>(allocs) / static_cast<double>(n);
}
BENCHMARK(BM_ResponseFreshPlaintext)->MinTime(kMinTime);

// The chunked response: each write() is taken out at once, as the connection sends
// after every uncorked write; end() adds the last chunk and the trailers.
constexpr std::string_view kChecksum = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

size_t Chunked(http::ServerResponse& res, std::string_view piece, int pieces,
               std::vector<iovec>* iov) {
  res.setHeader("Content-Type", "application/octet-stream");
  res.setHeader("Trailer", "X-Checksum");
  size_t bytes = 0;
  for (int i = 0; i < pieces; ++i) {
    res.write(piece);
    bytes += Take(res, iov);
  }
  res.addTrailers({{"X-Checksum", kChecksum}});
  res.end();
  return bytes + Take(res, iov);
}

std::string ChunkedExpected(std::string_view date, std::string_view piece, int pieces) {
  char size[20];
  int n = std::snprintf(size, sizeof(size), "%zx", piece.size());
  std::string s = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n";
  s.append("Trailer: X-Checksum\r\nDate: ").append(date).append("\r\n");
  s.append("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < pieces; ++i) {
    s.append(size, static_cast<size_t>(n)).append("\r\n").append(piece).append("\r\n");
  }
  return s.append("0\r\nX-Checksum: ").append(kChecksum).append("\r\n\r\n");
}

void BM_ResponseChunked(benchmark::State& state) {
  const int pieces = static_cast<int>(state.range(0));
  const std::string piece(static_cast<size_t>(state.range(1)), 'x');
  auto res = std::make_unique<http::ServerResponse>();
  std::vector<iovec> iov;
  iov.reserve(static_cast<size_t>(pieces) * 3 + 8);
  for (int attempt = 0;; ++attempt) {
    Reset(*res);
    Chunked(*res, piece, pieces, &iov);
    std::string got = Join(iov);
    iov.clear();
    if (got == ChunkedExpected(http::UtcDate(), piece, pieces)) break;
    if (attempt == 1) {
      state.SkipWithError(("unexpected response bytes: " + got.substr(0, 300)).c_str());
      return;
    }
  }
  const size_t size = ChunkedExpected(http::UtcDate(), piece, pieces).size();
  Warm(*res, [&] {
    std::vector<iovec> taken;
    Chunked(*res, piece, pieces, &taken);
  });
  int64_t bytes = 0;
  size_t iovecs = 0;
  const uint64_t allocs_before = bench::AllocCount();
  for (auto _ : state) {
    Reset(*res);
    bytes += static_cast<int64_t>(Chunked(*res, piece, pieces, &iov));
    benchmark::DoNotOptimize(iov.data());
    benchmark::ClobberMemory();
    iovecs += iov.size();
    iov.clear();
  }
  const uint64_t allocs = bench::AllocCount() - allocs_before;
  const auto n = static_cast<int64_t>(state.iterations());
  if (bytes != n * static_cast<int64_t>(size)) state.SkipWithError("a response had the wrong size");
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  state.counters["allocs/res"] = static_cast<double>(allocs) / static_cast<double>(n);
  state.counters["iov/res"] = static_cast<double>(iovecs) / static_cast<double>(n);
}
BENCHMARK(BM_ResponseChunked)
    ->ArgNames({"pieces", "size"})
    ->Args({8, 1024})
    ->Args({64, 128})
    ->MinTime(kMinTime);

}  // namespace
