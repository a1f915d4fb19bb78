// echo_load: proves that an echo server loses, reorders and invents no byte.
//
//   echo_load --host H --port P --connections N --bytes-per-connection B --seconds S
//
// Runs on one engine Loop, as a client (Loop::Connect, OnConnect, Send, OnData):
//   1. Raises RLIMIT_NOFILE to its hard limit; exits 2 when N connections do not fit
//      in it or in the ephemeral port range.
//   2. Opens N connections, at most kMaxConnecting handshakes at a time, and sends
//      nothing until all N are open, so that all N are open at the same time.
//   3. On each, sends B pseudo-random bytes (a stream seeded by the connection's
//      index) in writes of random size, one write in flight and at most kWindow bytes
//      unechoed, and checks every byte that comes back against the same stream.
//   4. Once every connection got its B bytes back, or S seconds passed, shuts down
//      the write side of each (the server's EOF), closes them all, and prints:
//        connections=N bytes=<bytes verified> errors=E mismatches=M seconds=T
//      T runs from the first connect to the last byte verified.
// Exits 0 only if all N*B bytes came back unchanged and all N were open at once.
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "engine/timer.h"

namespace {

constexpr int kMaxConnecting = 512;        // more overflows the server's SYN backlog
constexpr uint64_t kWindow = 64 * 1024;    // sent and not yet echoed, per connection
constexpr int kMaxErrorReports = 5;        // failures described on stderr
constexpr int kSpareFds = 64;              // the ring, the eventfd, stdio and the like
constexpr uint64_t kCloseGraceMs = 10000;  // for the peers to close after the last byte

double NowSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// splitmix64, by words or by bytes: every seed gives an independent-looking stream.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  uint8_t NextByte() {
    if (left_ == 0) {
      word_ = Next();
      left_ = 8;
    }
    --left_;
    return static_cast<uint8_t>(word_ >> (8 * left_));
  }

 private:
  uint64_t state_;
  uint64_t word_ = 0;
  int left_ = 0;
};

struct Conn {
  explicit Conn(int i) : index(i), send_stream(i), check_stream(i), sizes(~uint64_t(i)) {}
  int index;
  engine::Connection* c = nullptr;  // valid until OnClose
  Random send_stream;               // the connection's bytes; the checker replays the same stream
  Random check_stream;
  Random sizes;
  uint64_t sent = 0;
  uint64_t received = 0;
  bool writing = false;  // a write is in flight
  bool open = false;
  bool failed = false;
  bool settled = false;  // all bytes back, or failed
};

class Client;

// One write: the SendReq, its iovec and its bytes belong to the engine until on_done.
struct Write {
  engine::SendReq req;
  iovec iov;
  Client* client;
  Conn* conn;
  std::unique_ptr<uint8_t[]> bytes;
};

// The handler of every connection; each Connection's user_data is its Conn.
class Client final : public engine::ConnectionHandler {
 public:
  Client(engine::Loop* loop, const sockaddr_storage& addr, socklen_t len, int n, uint64_t bytes)
      : loop_(loop), addr_(addr), len_(len), n_(n), bytes_(bytes) {
    for (int i = 0; i < n; ++i) conns_.push_back(std::make_unique<Conn>(i));
    close_timer_.set_callback([this] { close_timed_out_ = true; });
  }

  // Starts handshakes until kMaxConnecting are in flight or all were started.
  void ConnectMore() {
    while (connecting_ < kMaxConnecting && next_ < n_ && !finishing_) {
      Conn& k = *conns_[next_++];
      int ret = loop_->Connect(reinterpret_cast<const sockaddr*>(&addr_), len_, this, &k.c);
      if (ret < 0) {
        k.c = nullptr;
        Fail(k, "connect", ret);
      } else {
        k.c->user_data = &k;
        ++connecting_;
      }
    }
    CheckNeverAllOpen();
  }

  void OnConnect(engine::Connection& c, int err) override {
    Conn& k = *static_cast<Conn*>(c.user_data);
    --connecting_;
    if (err < 0) {
      Fail(k, "connect", err);  // OnClose follows
    } else {
      k.open = true;
      if (++open_ > peak_open_) peak_open_ = open_;
    }
    if (peak_open_ == n_ && !sending_) {
      // All N are open at once: only now does any byte leave.
      sending_ = true;
      std::fprintf(stderr, "echo_load: %d connections open after %.2f s\n", n_,
                   NowSeconds() - start_);
      for (auto& each : conns_) Pump(*each);
    }
    ConnectMore();
  }

  void OnData(engine::Connection&, const engine::RecvBuf& data) override;

  void OnEof(engine::Connection& c) override {
    Conn& k = *static_cast<Conn*>(c.user_data);
    if (k.received < bytes_) Fail(k, "the server closed before echoing every byte", 0);
    c.Close();
  }

  void OnClose(engine::Connection& c, int err) override {
    Conn& k = *static_cast<Conn*>(c.user_data);
    if (err != 0 && !finishing_) Fail(k, "closed", err);
    k.c = nullptr;
    if (k.open) --open_;
    k.open = false;
    CheckNeverAllOpen();
  }

  // Every connect was tried, yet the N were never all open: nothing will be sent.
  void CheckNeverAllOpen() {
    if (!sending_ && next_ == n_ && connecting_ == 0) Finish();
  }

  // Queues the next write when none is in flight and the window has room. Sizes are
  // log-uniform from 1 byte to 16 KiB, so both tiny and large writes occur.
  void Pump(Conn& k) {
    if (k.writing || k.c == nullptr || k.sent == bytes_ || finishing_) return;
    uint64_t room = kWindow - (k.sent - k.received);
    if (room == 0) return;
    uint64_t r = k.sizes.Next();
    uint64_t size = 1 + (r >> 8) % (uint64_t{1} << (r % 15));
    size = std::min({size, bytes_ - k.sent, room});
    auto* w = new Write{};
    w->bytes = std::make_unique<uint8_t[]>(size);
    for (uint64_t i = 0; i < size; ++i) w->bytes[i] = k.send_stream.NextByte();
    w->iov = {w->bytes.get(), size};
    w->client = this;
    w->conn = &k;
    w->req = {.iov = &w->iov, .iovcnt = 1, .on_done = &Client::OnWritten, .user = w};
    k.sent += size;
    k.writing = true;
    k.c->Send(&w->req);
  }

  // Every byte is back (or time is up): the server sees EOF and closes, then so do
  // we. Connections not finished are closed at once.
  void Finish() {
    if (finishing_) return;
    finishing_ = true;
    elapsed_ = NowSeconds() - start_;
    loop_->ArmTimer(&close_timer_, kCloseGraceMs);
    for (auto& k : conns_) {
      if (k->received < bytes_) Fail(*k, "not finished", 0);
      if (k->c == nullptr) continue;
      if (k->failed)
        k->c->Close();
      else
        k->c->Shutdown();
    }
  }

  // Runs the whole test, prints its line; true if the server was proved right.
  bool Run(double seconds) {
    engine::Timer deadline([this] { Finish(); });
    loop_->ArmTimer(&deadline, static_cast<uint64_t>(seconds * 1000));
    start_ = NowSeconds();
    ConnectMore();
    while ((!finishing_ || loop_->live_connections() > 0) && !close_timed_out_) {
      loop_->RunOnce();
    }
    if (close_timed_out_) {
      ++errors_;
      std::fprintf(stderr, "echo_load: %zu connections still open %lu ms after the end\n",
                   loop_->live_connections(), static_cast<unsigned long>(kCloseGraceMs));
    }
    std::printf("connections=%d bytes=%lu errors=%lu mismatches=%lu seconds=%.3f\n", n_,
                static_cast<unsigned long>(verified_), static_cast<unsigned long>(errors_),
                static_cast<unsigned long>(mismatches_), elapsed_);
    std::fflush(stdout);
    if (peak_open_ != n_) {
      std::fprintf(stderr, "echo_load: at most %d of %d connections were open at once\n",
                   peak_open_, n_);
    }
    // A loop that could not reap its connections would hang in its destructor too.
    if (close_timed_out_) _exit(1);
    return errors_ == 0 && mismatches_ == 0 && peak_open_ == n_ &&
           verified_ == static_cast<uint64_t>(n_) * bytes_;
  }

 private:
  static void OnWritten(engine::SendReq* req, int err) {
    auto* w = static_cast<Write*>(req->user);
    Client* client = w->client;
    Conn& k = *w->conn;
    delete w;
    k.writing = false;
    if (err == 0) client->Pump(k);  // else the connection failed; OnClose reports it
  }

  // Counts each connection's first failure once.
  void Fail(Conn& k, const char* why, int err) {
    if (k.failed) return;
    k.failed = true;
    if (++errors_ <= kMaxErrorReports) {
      std::fprintf(stderr, "echo_load: connection %d: %s%s%s\n", k.index, why, err != 0 ? ": " : "",
                   err != 0 ? std::strerror(-err) : "");
    }
    Settle(k);
  }

  // Finishes once every connection got all its bytes back or failed.
  void Settle(Conn& k) {
    if (k.settled) return;
    k.settled = true;
    if (++settled_ == n_) Finish();
  }

  engine::Loop* loop_;
  sockaddr_storage addr_;
  socklen_t len_;
  int n_;
  uint64_t bytes_;
  std::vector<std::unique_ptr<Conn>> conns_;
  int next_ = 0;        // conns_[next_] is the next to connect
  int connecting_ = 0;  // handshakes in flight
  int open_ = 0;
  int peak_open_ = 0;
  int settled_ = 0;
  bool sending_ = false;
  bool finishing_ = false;
  bool close_timed_out_ = false;
  engine::Timer close_timer_;
  double start_ = 0;
  double elapsed_ = 0;
  uint64_t verified_ = 0;
  uint64_t errors_ = 0;      // connections that failed: connect, early close, timeout
  uint64_t mismatches_ = 0;  // bytes that differ from what was sent, or were never sent
};

// Checks the piece against the connection's stream; bytes beyond what was sent are
// mismatches too.
void Client::OnData(engine::Connection& c, const engine::RecvBuf& data) {
  Conn& k = *static_cast<Conn*>(c.user_data);
  auto* p = reinterpret_cast<const uint8_t*>(data.data());
  uint64_t expected = std::min<uint64_t>(data.size(), k.sent - k.received);
  uint64_t wrong = 0;
  for (uint64_t i = 0; i < expected; ++i) wrong += p[i] != k.check_stream.NextByte();
  uint64_t bad = wrong + (data.size() - expected);
  if (bad != 0 && mismatches_ == 0) {
    std::fprintf(stderr, "echo_load: connection %d: %lu of %zu bytes wrong at offset %lu\n",
                 k.index, static_cast<unsigned long>(bad), data.size(),
                 static_cast<unsigned long>(k.received));
  }
  mismatches_ += bad;
  verified_ += expected - wrong;
  k.received += expected;
  if (k.received == bytes_)
    Settle(k);
  else
    Pump(k);
}

bool ParseArgs(int argc, char** argv, std::string* host, int* port, int* n, uint64_t* bytes,
               double* seconds) {
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return false;
    const char* v = argv[i + 1];
    if (!std::strcmp(argv[i], "--host"))
      *host = v;
    else if (!std::strcmp(argv[i], "--port"))
      *port = std::atoi(v);
    else if (!std::strcmp(argv[i], "--connections"))
      *n = std::atoi(v);
    else if (!std::strcmp(argv[i], "--bytes-per-connection"))
      *bytes = std::strtoull(v, 0, 10);
    else if (!std::strcmp(argv[i], "--seconds"))
      *seconds = std::atof(v);
    else
      return false;
  }
  return *port > 0 && *port < 65536 && *n > 0 && *seconds > 0;
}

// Raises the soft RLIMIT_NOFILE to the hard one; false (with a message) when n
// connections do not fit in it, or in the ephemeral ports (every connection to one
// server address needs its own).
bool Fits(int n) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < static_cast<rlim_t>(n) + kSpareFds) {
    std::fprintf(stderr,
                 "error: %d connections need %d file descriptors, but the hard "
                 "RLIMIT_NOFILE is %lu; raise it (ulimit -Hn, LimitNOFILE=)\n",
                 n, n + kSpareFds, static_cast<unsigned long>(rl.rlim_max));
    return false;
  }
  long lo = 0, hi = -1;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%ld %ld", &lo, &hi) != 2) hi = -1;
    std::fclose(f);
  }
  if (hi >= lo && hi - lo + 1 < n) {
    std::fprintf(stderr,
                 "error: %d connections need %d local ports, but "
                 "net.ipv4.ip_local_port_range holds %ld\n",
                 n, n, hi - lo + 1);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  int n = 1;
  uint64_t bytes = 4096;
  double seconds = 60;
  if (!ParseArgs(argc, argv, &host, &port, &n, &bytes, &seconds)) {
    std::fprintf(stderr,
                 "usage: echo_load --host H --port P --connections N "
                 "--bytes-per-connection B --seconds S\n");
    return 2;
  }
  sockaddr_storage addr;
  socklen_t len;
  if (engine::ParseAddress(host, static_cast<uint16_t>(port), &addr, &len) < 0) {
    std::fprintf(stderr, "error: --host %s is not an IP address\n", host.c_str());
    return 2;
  }
  if (!Fits(n)) return 2;

  engine::LoopOptions options;
  options.sq_entries = 4096;  // and a completion queue of 16384, for bursts
  options.buffer_count = 4096;
  std::unique_ptr<engine::Loop> loop = engine::Loop::CreateOrDie(options);
  auto client = std::make_unique<Client>(loop.get(), addr, len, n, bytes);
  bool ok = client->Run(seconds);
  client.reset();
  loop.reset();
  return ok ? 0 : 1;
}
