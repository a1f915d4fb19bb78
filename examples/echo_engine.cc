// An echo server on the engine alone: every byte a client sends comes back.
//
//   echo_engine [--host H] [--port P] [--threads N]
//
// Prints "listening on H:P" once it accepts.
//
// The received bytes are copied out of the receive buffer before OnData returns:
// the echo waits on the peer to read it, and a ring buffer kept for that long would
// be one less for every other connection of the loop (engine/buffer.h). Each
// connection has at most one send in flight; what arrives meanwhile is queued, and
// past kMaxQueued the connection stops reading until its peer catches up.
#include <unistd.h>

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

constexpr size_t kMaxQueued = 256 * 1024;

// One connection's echo: the bytes of the send in flight, and those received since.
struct Echo {
  engine::Connection* conn;
  engine::SendReq req;
  iovec iov{};
  std::string sending;
  std::string queued;
  bool peer_done = false;  // the peer sent its FIN: end once everything is back
};

void Flush(Echo* e) {
  if (!e->sending.empty() || e->queued.empty()) return;
  e->sending.swap(e->queued);
  e->iov = {e->sending.data(), e->sending.size()};
  e->req.iov = &e->iov;
  e->req.iovcnt = 1;
  e->req.user = e;
  e->req.on_done = [](engine::SendReq* r, int err) {
    auto* e = static_cast<Echo*>(r->user);
    e->sending.clear();
    if (err < 0) return;  // the connection failed; OnClose follows
    Flush(e);
    if (e->conn->recv_paused() && e->queued.size() <= kMaxQueued) e->conn->ResumeRecv();
    if (e->peer_done && e->sending.empty()) e->conn->End();
  };
  e->conn->Send(&e->req);
}

class EchoHandler final : public engine::ConnectionHandler, public engine::AcceptHandler {
 public:
  void OnAccept(engine::Connection& c) override {
    c.user_data = new Echo{&c, {}};
    c.set_handler(this);
  }

  void OnData(engine::Connection& c, const engine::RecvBuf& data) override {
    auto* e = static_cast<Echo*>(c.user_data);
    e->queued.append(data.view());  // the receive buffer goes back to the ring now
    Flush(e);
    if (e->queued.size() > kMaxQueued) c.PauseRecv();
  }

  void OnEof(engine::Connection& c) override {
    auto* e = static_cast<Echo*>(c.user_data);
    e->peer_done = true;
    if (e->sending.empty()) c.End();  // else the last send's completion ends it
  }

  void OnClose(engine::Connection& c, int) override { delete static_cast<Echo*>(c.user_data); }
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

  // One socket, which every loop accepts on (so no other process can take the port).
  engine::ListenOptions lo;
  lo.host = host;
  lo.port = static_cast<uint16_t>(port);
  lo.backlog = 4096;
  uint16_t bound;
  int listen_fd = engine::OpenListenSocket(lo, &bound);
  if (listen_fd < 0) {
    std::fprintf(stderr, "error: cannot listen on %s:%d: %s\n", host.c_str(), port,
                 std::strerror(-listen_fd));
    return 1;
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
        engine::Listener* listener;
        int r = loop.AcceptOn(
            listen_fd,
            threads > 1 ? engine::AcceptMode::kOneAtATime : engine::AcceptMode::kMultishot,
            &handler, &listener);
        if (r < 0) listen_error = r;
      },
      &error);
  close(listen_fd);  // each loop accepts on a duplicate of its own
  if (ret < 0) engine::DieWithSetupError(error);
  if (int err = listen_error.load(); err < 0) {
    std::fprintf(stderr, "error: cannot accept on %s:%d: %s\n", host.c_str(), port,
                 std::strerror(-err));
    return 1;
  }
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  runtime.Join();
  return 0;
}
