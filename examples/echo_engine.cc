// An echo server on the engine alone: every byte a client sends comes back.
//
//   echo_engine [--host H] [--port P] [--threads N]
//
// Prints "listening on H:P" once it accepts. Each received buffer is retained and
// sent back as it is, without a copy; the buffer returns to the ring when the send
// completes.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "engine/runtime.h"

namespace {

// One send in flight per received piece: it owns the buffer until the send is done.
struct Echo {
  engine::SendReq req;
  iovec iov;
  engine::BufRef buf;
};

class EchoHandler final : public engine::ConnectionHandler, public engine::AcceptHandler {
 public:
  void OnAccept(engine::Connection& c) override { c.set_handler(this); }

  void OnData(engine::Connection& c, const engine::RecvBuf& data) override {
    auto* e = new Echo{};
    e->buf = data.Retain();
    e->iov = {const_cast<char*>(e->buf.data()), e->buf.size()};
    e->req.iov = &e->iov;
    e->req.iovcnt = 1;
    e->req.user = e;
    e->req.on_done = [](engine::SendReq* r, int) { delete static_cast<Echo*>(r->user); };
    c.Send(&e->req);
  }

  void OnEof(engine::Connection& c) override { c.End(); }
  void OnClose(engine::Connection&, int) override {}
};

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 9000;
  int threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--host")) host = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port")) port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
  }

  EchoHandler handler;  // stateless, so one serves every thread
  engine::RuntimeOptions options;
  options.threads = threads;
  engine::Runtime runtime;
  engine::SetupError error;
  std::atomic<int> listen_error{0};  // written by each loop's thread
  int ret = runtime.Start(
      options,
      [&](engine::Loop& loop, int) {
        engine::ListenOptions lo;
        lo.host = host;
        lo.port = static_cast<uint16_t>(port);
        lo.backlog = 4096;
        engine::Listener* listener;
        int r = loop.Listen(lo, &handler, &listener);
        if (r < 0) listen_error = r;
      },
      &error);
  if (ret < 0) engine::DieWithSetupError(error);
  if (int err = listen_error.load(); err < 0) {
    std::fprintf(stderr, "error: cannot listen on %s:%d: %s\n", host.c_str(), port,
                 std::strerror(-err));
    return 1;
  }
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  runtime.Join();
  return 0;
}
