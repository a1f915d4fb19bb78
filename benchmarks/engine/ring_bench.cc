// Round trips through the kernel and through the loop, from the cheapest up:
//   BM_RingNop/B:         raw Ring (engine/ring.h): prep B NOPs, one submit_and_wait,
//                         reap B completions; items are NOPs.
//   BM_LoopPost:          Loop::Post() then RunOnce() until the function ran, all on
//                         the loop thread (the eventfd write and its read included).
//   BM_LoopDefer/B:       B Loop::Defer() calls, then one RunOnce() that runs them.
//   BM_TcpPingPong64:     64 bytes to an engine echo Connection over loopback and back,
//                         from a blocking socket on the benchmark thread while the
//                         loop runs on its own thread; real time, round trips/s.
//   BM_TcpPingPong64Blocking: the same against a blocking echo thread, the baseline
//                         that shows what the engine adds to a loopback round trip.
// Each runs for about kMinTime seconds, so the whole binary stays well under a minute.
#include <benchmark/benchmark.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "engine/ring.h"

namespace {

constexpr double kMinTime = 0.5;

const char* RingFlagsLabel(const engine::Ring& ring) {
  if (ring.defer_taskrun()) return "defer_taskrun";
  if (ring.setup_flags() & IORING_SETUP_COOP_TASKRUN) return "coop_taskrun";
  return "no_flags";
}

void BM_RingNop(benchmark::State& state) {
  const auto batch = static_cast<unsigned>(state.range(0));
  engine::Ring ring;
  engine::SetupError error;
  if (ring.Init(256, &error) < 0) {
    state.SkipWithError(error.message.c_str());
    return;
  }
  io_uring* raw = ring.raw();
  for (auto _ : state) {
    for (unsigned i = 0; i < batch; ++i) {
      io_uring_sqe* sqe = ring.GetSqe();
      io_uring_prep_nop(sqe);
      io_uring_sqe_set_data(sqe, nullptr);
    }
    io_uring_submit_and_wait(raw, batch);
    for (unsigned reaped = 0; reaped < batch;) {
      unsigned head, n = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(raw, head, cqe)++ n;
      io_uring_cq_advance(raw, n);
      reaped += n;
      if (reaped < batch) io_uring_get_events(raw);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * batch);
  state.SetLabel(RingFlagsLabel(ring));
}
BENCHMARK(BM_RingNop)->Arg(1)->Arg(16)->Arg(256)->MinTime(kMinTime);

void BM_LoopPost(benchmark::State& state) {
  std::unique_ptr<engine::Loop> loop = engine::Loop::CreateOrDie({});
  int ran = 0;
  for (auto _ : state) {
    int before = ran;
    loop->Post([&ran] { ++ran; });
    while (ran == before) loop->RunOnce();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["enters_per_post"] =
      static_cast<double>(loop->stats().enters) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_LoopPost)->MinTime(kMinTime);

void BM_LoopDefer(benchmark::State& state) {
  const auto batch = static_cast<int>(state.range(0));
  std::unique_ptr<engine::Loop> loop = engine::Loop::CreateOrDie({});
  int ran = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) loop->Defer([&ran] { ++ran; });
    loop->RunOnce();
  }
  if (ran != static_cast<int>(state.iterations()) * batch) {
    state.SkipWithError("deferred functions did not all run in their turn");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * batch);
}
BENCHMARK(BM_LoopDefer)->Arg(1)->Arg(256)->MinTime(kMinTime);

// Echoes every received piece back without a copy, like examples/echo_engine.cc.
class Echo final : public engine::ConnectionHandler, public engine::AcceptHandler {
 public:
  void OnAccept(engine::Connection& c) override { c.set_handler(this); }
  void OnData(engine::Connection& c, const engine::RecvBuf& data) override {
    auto* s = new Pending{};
    s->buf = data.Retain();
    s->iov = {const_cast<char*>(s->buf.data()), s->buf.size()};
    s->req.iov = &s->iov;
    s->req.iovcnt = 1;
    s->req.user = s;
    s->req.on_done = [](engine::SendReq* r, int) { delete static_cast<Pending*>(r->user); };
    c.Send(&s->req);
  }
  void OnEof(engine::Connection& c) override { c.End(); }
  void OnClose(engine::Connection&, int) override {}

 private:
  struct Pending {
    engine::SendReq req;
    iovec iov;
    engine::BufRef buf;
  };
};

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool ReadAll(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// The client side: 64 bytes out, 64 bytes back, per iteration.
void PingPong(benchmark::State& state, uint16_t port) {
  int fd = port == 0 ? -1 : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
    state.SkipWithError("cannot connect to the echo listener");
  } else {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char out[64];
    char in[64];
    std::memset(out, 'x', sizeof(out));
    for (auto _ : state) {
      if (!WriteAll(fd, out, sizeof(out)) || !ReadAll(fd, in, sizeof(in))) {
        state.SkipWithError("the echo connection failed");
        break;
      }
    }
    state.counters["round_trips_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  }
  if (fd >= 0) close(fd);
}

void BM_TcpPingPong64(benchmark::State& state) {
  // The loop lives and dies on its own thread, as loops must. Loop::Stop() still
  // touches the loop after Run() may have returned, so the thread waits for it to
  // return before destroying the loop.
  std::promise<uint16_t> port_promise;
  std::promise<void> stop_returned;
  std::atomic<engine::Loop*> loop_ptr{nullptr};
  Echo echo;
  std::thread loop_thread([&] {
    std::unique_ptr<engine::Loop> loop = engine::Loop::CreateOrDie({});
    engine::ListenOptions options;
    options.host = "127.0.0.1";
    engine::Listener* listener = nullptr;
    if (loop->Listen(options, &echo, &listener) < 0) {
      port_promise.set_value(0);
      return;
    }
    loop_ptr = loop.get();
    port_promise.set_value(listener->port());
    loop->Run();
    stop_returned.get_future().wait();
  });
  PingPong(state, port_promise.get_future().get());
  if (engine::Loop* loop = loop_ptr.load()) loop->Stop();
  stop_returned.set_value();
  loop_thread.join();
}
BENCHMARK(BM_TcpPingPong64)->UseRealTime()->MinTime(kMinTime);

void BM_TcpPingPong64Blocking(benchmark::State& state) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), len) < 0 || listen(lfd, 1) < 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) {
    close(lfd);
    state.SkipWithError("cannot listen on loopback");
    return;
  }
  std::thread echo([lfd] {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char buf[64];
    while (ReadAll(fd, buf, sizeof(buf)) && WriteAll(fd, buf, sizeof(buf))) {
    }
    close(fd);
  });
  PingPong(state, ntohs(addr.sin_port));
  shutdown(lfd, SHUT_RDWR);  // wakes the accept if the client never connected
  echo.join();
  close(lfd);
}
BENCHMARK(BM_TcpPingPong64Blocking)->UseRealTime()->MinTime(kMinTime);

}  // namespace
