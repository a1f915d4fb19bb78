// The checking clients of //benchmarks:soak (benchmarks/soak.py) that wrk cannot be:
// chunked uploads sent in pieces, streamed downloads read at full speed or slowly, and
// clients that give up mid-request. Every response is checked byte for byte against
// soak_pattern.h (soak_reader.h). One epoll loop over non-blocking sockets, no engine
// code, as slow_client.cc.
//
//   soak_client --port P --duration S [--host 127.0.0.1] [--uploads 2] [--streams 2]
//               [--slow-readers 1] [--aborts 2] [--seed 1] [--timeout 10]
//               [--max-upload 262144] [--max-stream 1048576] [--per-connection 50]
//               [--slow-rate 2097152] [--abort-hold-ms 500]
//
// Each connection does one kind of work, over and over, until --duration has passed:
//   upload  POST /upload with a body of 0 .. --max-upload bytes, chunked in pieces of
//           random sizes (one in four with Content-Length instead), the request cut
//           into up to 8 writes at random offsets, some a few ms apart. The answer must
//           be "bytes=N fnv=H\n" for exactly the bytes sent.
//   stream  GET /stream of up to --max-stream bytes in 1 to 64 pieces; every byte must
//           be SoakByte(seed, offset). --slow-readers of them read at most --slow-rate
//           bytes a second, so that the server's writes back up and wait for 'drain'.
//   abort   gives up mid-request, in turn: a partial head then a close; the same then a
//           reset; a partial chunked upload then a close or reset; a 4 MiB stream read
//           for 1 .. 256 KiB (checked) then a close or reset. Holds up to
//           --abort-hold-ms first; the server must neither answer nor close meanwhile.
// Upload and stream connections ask `Connection: close` on every --per-connection-th
// request, and the server must then say so and close; any other close is an error.
//
// Output: "SOAK_TICK {json}" once a second with the counts so far, "SOAK_JSON {json}"
// at the end: per kind, the requests completed and the errors by name:
//   connect     connect() failed or took longer than --timeout
//   reset       a reset (or another socket error) with a request in flight
//   closed      the server closed a connection it should have kept (before the end of
//               a response, during an abort's hold, or with Connection: close unasked)
//   status      a status other than 200, or an answer to an incomplete request
//   body        a wrong byte, length or framing, or bytes after the response
//   timeout     --timeout seconds without a byte while a response is due
//   kept_open   Connection: close was asked, and the server did not close
// "first_errors" describes the first 20. Exits 0 after the last request in flight
// ends, whatever it counted; bad arguments exit 2.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/soak_pattern.h"
#include "benchmarks/soak_reader.h"

namespace {

double NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  double duration_s = 0;
  int uploads = 2, streams = 2, slow_readers = 1, aborts = 2;
  uint64_t seed = 1;
  double timeout_s = 10;
  uint64_t max_upload = 256 << 10, max_stream = 1 << 20;
  int per_connection = 50;
  double slow_rate = 2 << 20;  // bytes per second
  double abort_hold_ms = 500;
};

enum Kind { kUpload, kStream, kAbort, kKinds };
constexpr const char* kKindNames[kKinds] = {"upload", "stream", "abort"};
enum Err { kConnect, kReset, kClosed, kStatus, kBody, kTimeout, kKeptOpen, kErrs };
constexpr const char* kErrNames[kErrs] = {"connect", "reset",   "closed",   "status",
                                          "body",    "timeout", "kept_open"};

enum class Phase {
  kIdle,        // no socket; connects at wake_ms
  kConnecting,
  kBusy,        // sending a request and reading its response
  kHolding,     // an abort's partial request sent; gives up at wake_ms
  kAwaitClose,  // Connection: close answered; the server's FIN is due
};

struct Conn {
  Kind kind;
  bool slow = false;
  int fd = -1;
  Phase phase = Phase::kIdle;
  uint32_t events = 0;  // the epoll mask it is registered with
  double wake_ms = 0;
  double progress_ms = 0;  // the last byte sent or received
  std::vector<std::string> segs;  // the request, in the writes it is sent as
  size_t seg = 0, seg_off = 0;
  double seg_ms = 0;  // when the next write may go
  bool blocked = false;  // the last send() found the socket's buffer full
  std::string literal;  // an upload's expected answer
  soak::ResponseReader reader;
  int done_here = 0;  // requests completed on this connection
  bool ask_close = false;
  int abort_mode = 0;
  bool abort_reset = false;
  uint64_t abort_after = 0;  // a stream abort gives up after this many body bytes
  double budget = 0;  // a slow reader's bytes it may read now
  double refill_ms = 0;  // when the budget was last topped up
};

class SoakClient {
 public:
  explicit SoakClient(const Options& o) : o_(o), rng_(o.seed) {}
  int Run();

 private:
  uint64_t Rand(uint64_t lo, uint64_t hi) {  // inclusive
    return std::uniform_int_distribution<uint64_t>(lo, hi)(rng_);
  }
  void Connect(Conn& c, double now);
  void StartRequest(Conn& c, double now);
  void Flush(Conn& c, double now);
  void Read(Conn& c, double now, size_t limit);
  void OnResponse(Conn& c, double now);
  void Error(Conn& c, Err e, const std::string& why, double now);
  void Close(Conn& c, bool reset, double now, double delay_ms);
  void Watch(Conn& c);
  void Tick(double now);
  void Print(const char* tag, double now) const;
  std::string BuildUpload(Conn& c, bool partial);

  Options o_;
  std::mt19937_64 rng_;
  std::vector<Conn> conns_;
  sockaddr_in server_{};
  int epoll_ = -1;
  bool stopping_ = false;
  uint64_t requests_[kKinds] = {};
  uint64_t errors_[kKinds][kErrs] = {};
  uint64_t bytes_up_ = 0, bytes_down_ = 0;
  std::vector<std::string> first_errors_;
  double start_ms_ = 0;
};

void SoakClient::Watch(Conn& c) {
  uint32_t want = 0;
  if (c.phase == Phase::kConnecting) want = EPOLLOUT;
  if (c.phase == Phase::kBusy || c.phase == Phase::kHolding || c.phase == Phase::kAwaitClose) {
    // A slow reader is read by the tick, within its budget, not when bytes arrive.
    if (!c.slow || c.phase != Phase::kBusy) want |= EPOLLIN;
    if (c.blocked) want |= EPOLLOUT;
  }
  if (want == c.events) return;
  epoll_event ev{want, {.ptr = &c}};
  epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  c.events = want;
}

void SoakClient::Connect(Conn& c, double now) {
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    Error(c, kConnect, std::string("socket: ") + std::strerror(errno), now);
    return;
  }
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.phase = Phase::kConnecting;
  c.progress_ms = now;
  c.done_here = 0;
  c.events = EPOLLOUT;
  epoll_event ev{EPOLLOUT, {.ptr = &c}};
  epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  if (connect(c.fd, reinterpret_cast<sockaddr*>(&server_), sizeof server_) < 0 &&
      errno != EINPROGRESS) {
    Error(c, kConnect, std::string("connect: ") + std::strerror(errno), now);
  }
}

// A POST /upload of SoakByte(seed, ...): the whole request, or (partial) its head and
// part of its chunked body. Sets the answer the server must give.
std::string SoakClient::BuildUpload(Conn& c, bool partial) {
  uint64_t size = Rand(0, o_.max_upload), seed = rng_();
  std::string body(size, '\0');
  for (uint64_t i = 0; i < size; ++i) body[i] = soak::SoakByte(seed, i);
  char answer[64];
  std::snprintf(answer, sizeof answer, "bytes=%" PRIu64 " fnv=%016" PRIx64 "\n", size,
                soak::Fnv1a64(soak::kFnvOffset, body));
  c.literal = answer;
  std::string req = "POST /upload HTTP/1.1\r\nHost: soak\r\n";
  if (c.ask_close) req += "Connection: close\r\n";
  if (!partial && Rand(0, 3) == 0) {
    return req + "Content-Length: " + std::to_string(size) + "\r\n\r\n" + body;
  }
  req += "Transfer-Encoding: chunked\r\n\r\n";
  // Mostly large chunks, some tiny ones: sizes lines and data both straddle writes.
  for (uint64_t at = 0; at < size;) {
    uint64_t n = std::min(size - at, Rand(0, 3) ? Rand(1, 32768) : Rand(1, 8));
    char line[32];
    std::snprintf(line, sizeof line, "%" PRIx64 "\r\n", n);
    req.append(line).append(body, at, n).append("\r\n");
    at += n;
  }
  return partial ? req : req + "0\r\n\r\n";
}

void SoakClient::StartRequest(Conn& c, double now) {
  c.segs.clear();
  c.seg = c.seg_off = 0;
  c.seg_ms = now;
  c.ask_close = c.kind != kAbort && ++c.done_here % o_.per_connection == 0;
  std::string req;
  if (c.kind == kUpload) {
    req = BuildUpload(c, false);
    c.reader.Start(&c.literal, 0, 0);
    // Cut into up to 8 writes at random offsets.
    std::vector<size_t> cuts = {0, req.size()};
    for (uint64_t k = Rand(0, 7); k > 0; --k) cuts.push_back(Rand(1, req.size() - 1));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (size_t k = 0; k + 1 < cuts.size(); ++k) {
      c.segs.push_back(req.substr(cuts[k], cuts[k + 1] - cuts[k]));
    }
  } else {
    uint64_t pieces = Rand(1, 64), size = Rand(1, std::max<uint64_t>(1, o_.max_stream / pieces));
    c.abort_mode = c.kind == kAbort ? static_cast<int>(Rand(0, 3)) : -1;
    c.abort_reset = c.abort_mode == 1 || (c.abort_mode >= 2 && Rand(0, 1));
    if (c.abort_mode == 3) pieces = 64, size = 65536, c.abort_after = Rand(1, 256 << 10);
    uint64_t seed = rng_();
    if (c.abort_mode == 0 || c.abort_mode == 1) {
      req = "GET /plaintext HTTP/1.1\r\nHost: soak\r\nX-Held: ";
    } else if (c.abort_mode == 2) {
      req = BuildUpload(c, true);
      req.resize(Rand(req.find("\r\n\r\n") + 4, req.size()));
    } else {
      char line[160];
      std::snprintf(line, sizeof line,
                    "GET /stream?pieces=%" PRIu64 "&size=%" PRIu64 "&seed=%" PRIu64
                    " HTTP/1.1\r\nHost: soak\r\n%s\r\n",
                    pieces, size, seed, c.ask_close ? "Connection: close\r\n" : "");
      req = line;
      c.reader.Start(nullptr, seed, pieces * size);
    }
    c.segs.push_back(req);
  }
  bool hold = c.kind == kAbort && c.abort_mode != 3;
  c.phase = hold ? Phase::kHolding : Phase::kBusy;
  c.wake_ms = now + (hold ? Rand(0, static_cast<uint64_t>(o_.abort_hold_ms)) : 0);
  c.progress_ms = now;
  Flush(c, now);
}

void SoakClient::Flush(Conn& c, double now) {
  while (c.fd >= 0 && c.seg < c.segs.size() && now >= c.seg_ms) {
    const std::string& s = c.segs[c.seg];
    ssize_t n = send(c.fd, s.data() + c.seg_off, s.size() - c.seg_off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    c.blocked = n < 0 && errno == EAGAIN;
    if (c.blocked) break;
    if (n < 0) {
      Error(c, kReset, std::string("send: ") + std::strerror(errno), now);
      return;
    }
    bytes_up_ += static_cast<uint64_t>(n);
    c.progress_ms = now;
    c.seg_off += static_cast<size_t>(n);
    if (c.seg_off == s.size()) {
      ++c.seg;
      c.seg_off = 0;
      // One write in four waits a few milliseconds: the server sees the request in
      // receives of its own rather than all at once.
      if (Rand(0, 3) == 0) c.seg_ms = now + static_cast<double>(Rand(1, 5));
    }
  }
  if (c.fd >= 0) Watch(c);
}

void SoakClient::Read(Conn& c, double now, size_t limit) {
  char buf[65536];
  while (c.fd >= 0 && limit > 0) {
    ssize_t n = recv(c.fd, buf, std::min(limit, sizeof buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) {
      Error(c, kReset, std::string("recv: ") + std::strerror(errno), now);
      return;
    }
    if (n == 0) {
      if (c.phase == Phase::kAwaitClose) {
        ++requests_[c.kind];
        Close(c, false, now, 0);
      } else {
        Error(c, kClosed, c.phase == Phase::kHolding ? "closed during an abort's hold"
                                                     : "closed before the response's end",
              now);
      }
      return;
    }
    bytes_down_ += static_cast<uint64_t>(n);
    c.progress_ms = now;
    limit -= static_cast<size_t>(n);
    if (c.slow) c.budget -= static_cast<double>(n);
    if (c.phase != Phase::kBusy) {
      Error(c, c.phase == Phase::kHolding ? kStatus : kBody,
            c.phase == Phase::kHolding ? "an answer to an incomplete request"
                                       : "bytes after a Connection: close response",
            now);
      return;
    }
    size_t used = c.reader.Feed(buf, static_cast<size_t>(n));
    if (c.reader.failed()) {
      Error(c, kBody, c.reader.error(), now);
      return;
    }
    if (c.abort_mode == 3 && c.reader.body_bytes() >= c.abort_after) {
      ++requests_[kAbort];
      Close(c, c.abort_reset, now, static_cast<double>(Rand(0, 50)));
      return;
    }
    if (c.reader.done()) {
      if (used != static_cast<size_t>(n)) {
        Error(c, kBody, "bytes after the response", now);
        return;
      }
      OnResponse(c, now);
    }
  }
}

void SoakClient::OnResponse(Conn& c, double now) {
  if (c.reader.status() != 200) {
    Error(c, kStatus, "status " + std::to_string(c.reader.status()), now);
  } else if (c.seg < c.segs.size()) {
    Error(c, kStatus, "answered before the request was sent", now);
  } else if (c.ask_close) {
    if (!c.reader.said_close()) {
      Error(c, kKeptOpen, "no Connection: close in the answer to one", now);
    } else {
      c.phase = Phase::kAwaitClose;  // counted once the server's FIN comes
      Watch(c);
    }
  } else if (c.reader.said_close()) {
    Error(c, kClosed, "Connection: close in an answer to a keep-alive request", now);
  } else {
    ++requests_[c.kind];
    if (stopping_) Close(c, false, now, 0);
    else StartRequest(c, now);
  }
}

void SoakClient::Error(Conn& c, Err e, const std::string& why, double now) {
  ++errors_[c.kind][e];
  if (first_errors_.size() < 20) {
    char at[32];
    std::snprintf(at, sizeof at, "%.1f s ", (now - start_ms_) / 1e3);
    first_errors_.push_back(at + std::string(kKindNames[c.kind]) + " " + kErrNames[e] + ": " +
                            why);
    std::fprintf(stderr, "soak_client: %s\n", first_errors_.back().c_str());
  }
  Close(c, false, now, 100);
}

void SoakClient::Close(Conn& c, bool reset, double now, double delay_ms) {
  if (c.fd >= 0) {
    if (reset) {
      linger l{1, 0};  // close() sends a reset instead of a FIN
      setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(c.fd);  // also takes it out of the epoll set
  }
  c.fd = -1;
  c.events = 0;
  c.blocked = false;
  c.phase = Phase::kIdle;
  c.wake_ms = now + delay_ms;
}

void SoakClient::Tick(double now) {
  if (!stopping_ && now - start_ms_ >= o_.duration_s * 1e3) stopping_ = true;
  for (Conn& c : conns_) {
    switch (c.phase) {
      case Phase::kIdle:
        if (!stopping_ && now >= c.wake_ms) Connect(c, now);
        break;
      case Phase::kHolding:
        if (now >= c.wake_ms || stopping_) {
          ++requests_[kAbort];
          Close(c, c.abort_reset, now, static_cast<double>(Rand(0, 50)));
        }
        break;
      default:
        if (now - c.progress_ms > o_.timeout_s * 1e3) {
          bool connecting = c.phase == Phase::kConnecting;
          Error(c, connecting ? kConnect : c.phase == Phase::kAwaitClose ? kKeptOpen : kTimeout,
                connecting ? "no connection within the timeout"
                           : "nothing from the server within the timeout",
                now);
        } else if (c.phase == Phase::kBusy) {
          Flush(c, now);
          if (c.slow && c.fd >= 0) {
            // At most a tenth of a second's worth at once, however the ticks fall.
            c.budget = std::min(c.budget + o_.slow_rate * (now - c.refill_ms) / 1e3,
                                o_.slow_rate / 10);
            c.refill_ms = now;
            if (c.budget >= 1) Read(c, now, static_cast<size_t>(c.budget));
          }
        }
    }
  }
}

void SoakClient::Print(const char* tag, double now) const {
  std::string kinds;
  for (int k = 0; k < kKinds; ++k) {
    std::string errs;
    for (int e = 0; e < kErrs; ++e) {
      errs += std::string(e ? "," : "") + "\"" + kErrNames[e] + "\":" +
              std::to_string(errors_[k][e]);
    }
    kinds += std::string(k ? "," : "") + "\"" + kKindNames[k] + "\":{\"requests\":" +
             std::to_string(requests_[k]) + ",\"errors\":{" + errs + "}}";
  }
  std::string first;
  for (const std::string& s : first_errors_) {
    std::string q;
    for (char ch : s) {
      if (ch == '"' || ch == '\\') q += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) q += ch;
    }
    first += (first.empty() ? "\"" : ",\"") + q + "\"";
  }
  std::printf("%s {\"elapsed_s\":%.1f,\"kinds\":{%s},\"bytes_up\":%" PRIu64
              ",\"bytes_down\":%" PRIu64 ",\"first_errors\":[%s]}\n",
              tag, (now - start_ms_) / 1e3, kinds.c_str(), bytes_up_, bytes_down_, first.c_str());
  std::fflush(stdout);
}

int SoakClient::Run() {
  server_.sin_family = AF_INET;
  server_.sin_port = htons(static_cast<uint16_t>(o_.port));
  if (inet_pton(AF_INET, o_.host.c_str(), &server_.sin_addr) != 1) {
    std::fprintf(stderr, "soak_client: --host %s is not an IPv4 address\n", o_.host.c_str());
    return 2;
  }
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) {
    std::perror("soak_client: epoll_create1");
    return 1;
  }
  for (int i = 0; i < o_.uploads; ++i) conns_.push_back(Conn{kUpload});
  for (int i = 0; i < o_.streams; ++i) conns_.push_back(Conn{kStream, i < o_.slow_readers});
  for (int i = 0; i < o_.aborts; ++i) conns_.push_back(Conn{kAbort});
  start_ms_ = NowMs();
  double next_print = start_ms_ + 1000;
  std::vector<epoll_event> events(256);
  for (;;) {
    double now = NowMs();
    Tick(now);
    if (now >= next_print) {
      Print("SOAK_TICK", now);
      next_print += 1000;
    }
    if (stopping_ && std::all_of(conns_.begin(), conns_.end(),
                                 [](const Conn& c) { return c.phase == Phase::kIdle; })) {
      Print("SOAK_JSON", now);
      return 0;
    }
    // A 10 ms tick paces the slow readers and the delayed writes, and bounds how late
    // a hold's end or a timeout is noticed.
    int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 10);
    if (n < 0 && errno != EINTR) {
      std::perror("soak_client: epoll_wait");
      return 1;
    }
    now = NowMs();
    for (int k = 0; k < n; ++k) {
      Conn& c = *static_cast<Conn*>(events[k].data.ptr);
      if (c.fd < 0) continue;  // closed by an earlier event of this turn
      if (c.phase == Phase::kConnecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) Error(c, kConnect, std::string("connect: ") + std::strerror(err), now);
        else StartRequest(c, now);
        continue;
      }
      if (events[k].events & EPOLLOUT) Flush(c, now);
      if (c.fd >= 0 && (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
        Read(c, now, SIZE_MAX);
      }
    }
  }
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "soak_client: %s\nusage: soak_client --port P --duration S [--host H] "
               "[--uploads N] [--streams N] [--slow-readers N] [--aborts N] [--seed X] "
               "[--timeout S] [--max-upload B] [--max-stream B] [--per-connection K] "
               "[--slow-rate B/s] [--abort-hold-ms MS]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (i + 1 >= argc) return Usage("a flag without its value");
    const char* v = argv[i + 1];
    if (key == "--host") o.host = v;
    else if (key == "--port") o.port = std::atoi(v);
    else if (key == "--duration") o.duration_s = std::atof(v);
    else if (key == "--uploads") o.uploads = std::atoi(v);
    else if (key == "--streams") o.streams = std::atoi(v);
    else if (key == "--slow-readers") o.slow_readers = std::atoi(v);
    else if (key == "--aborts") o.aborts = std::atoi(v);
    else if (key == "--seed") o.seed = std::strtoull(v, nullptr, 10);
    else if (key == "--timeout") o.timeout_s = std::atof(v);
    else if (key == "--max-upload") o.max_upload = std::strtoull(v, nullptr, 10);
    else if (key == "--max-stream") o.max_stream = std::strtoull(v, nullptr, 10);
    else if (key == "--per-connection") o.per_connection = std::atoi(v);
    else if (key == "--slow-rate") o.slow_rate = std::atof(v);
    else if (key == "--abort-hold-ms") o.abort_hold_ms = std::atof(v);
    else return Usage(("unknown flag " + std::string(key)).c_str());
  }
  if (o.port <= 0 || o.port > 65535) return Usage("--port is required");
  if (o.duration_s <= 0) return Usage("--duration must be positive");
  if (o.uploads < 0 || o.streams < 0 || o.aborts < 0 || o.slow_readers < 0 ||
      o.per_connection < 1 || o.timeout_s <= 0 || o.slow_rate < 100 || o.max_stream < 64) {
    return Usage("counts must be >= 0, --per-connection >= 1, --timeout > 0, "
                 "--slow-rate >= 100, --max-stream >= 64");
  }
  return SoakClient(o).Run();
}
