#include "tests/fuzz/server_harness.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/connection.h"
#include "http/loop_pools.h"
#include "http/server_connection.h"
#include "http/uncaught.h"

namespace fuzz {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "server_harness: %s: %s\n", what, std::strerror(errno));
  std::abort();
}

sockaddr_un Address(const std::string& name, socklen_t* len) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  // An abstract name (leading NUL): nothing in the file system to clean up.
  std::memcpy(a.sun_path + 1, name.data(), name.size());
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return a;
}

// The connection's handler until its connect completes; then the server's.
class Connector final : public engine::ConnectionHandler {
 public:
  Connector(http::Server* server, http::LoopPools* pools, http::Socket** socket)
      : server_(server), pools_(pools), socket_(socket) {}
  void OnConnect(engine::Connection& c, int err) override {
    if (err != 0) return;  // OnClose follows; Serve() sees no socket and aborts
    auto* sc = new http::ServerConnection(pools_, &c, -1);
    *socket_ = sc;
    sc->on<"close">([socket = socket_](bool) { *socket = nullptr; });
    server_->emit<"connection">(static_cast<http::Socket&>(*sc));
  }
  void OnData(engine::Connection&, const engine::RecvBuf&) override {}
  void OnClose(engine::Connection&, int) override {}

 private:
  http::Server* server_;
  http::LoopPools* pools_;
  http::Socket** socket_;
};

}  // namespace

ServerHarness& ServerHarness::Get() {
  static ServerHarness* harness = new ServerHarness();
  return *harness;
}

ServerHarness::ServerHarness() {
  engine::LoopOptions options;
  options.sq_entries = 256;
  options.buffer_count = 64;
  loop_ = engine::Loop::CreateOrDie(options);
  // As Server::listen() sets up each of its loops.
  loop_->AddRecvPressureHandler([this] {
    if (pools_ != nullptr) pools_->MoveOutRetaining();
  });
  loop_->set_exception_handler([](std::exception_ptr e) { http::ReportUncaughtException(e); });

  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) Die("socket");
  address_ = "uring-http-fuzz-" + std::to_string(getpid());
  socklen_t len;
  sockaddr_un a = Address(address_, &len);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) != 0) Die("bind");
  if (listen(listen_fd_, 4) != 0) Die("listen");
}

std::string ServerHarness::Serve(http::Server& server, std::string_view stream,
                                 const std::vector<size_t>& pieces,
                                 const std::function<void()>& between) {
  auto pools = std::make_unique<http::LoopPools>(&server);
  pools->SetRingBuffers(loop_->recv_memory().ring_buffers);
  pools_ = pools.get();
  out_.clear();
  peer_eof_ = false;

  // 1. The connection.
  Connector connector(&server, pools.get(), &socket_);
  socklen_t len;
  sockaddr_un a = Address(address_, &len);
  if (loop_->Connect(reinterpret_cast<sockaddr*>(&a), len, &connector, &conn_) != 0) {
    Die("Loop::Connect");
  }
  peer_fd_ = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (peer_fd_ < 0) Die("accept4");
  RunUntilQuiet();
  if (socket_ == nullptr) Die("the connection did not start");

  // 2. The pieces, one receive each.
  size_t at = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    WriteAll(stream.substr(at, pieces[i]));
    at += pieces[i];
    RunUntilQuiet();
    if (i + 1 < pieces.size() && between) between();
  }

  // 3. The end of the stream; then nothing more will come.
  shutdown(peer_fd_, SHUT_WR);
  RunUntilQuiet();
  if (socket_ != nullptr) socket_->destroy();
  for (int turn = 0; socket_ != nullptr; ++turn) {
    if (turn == kMaxTurns) Die("the destroyed connection was never reaped");
    RunUntilQuiet();
  }
  Drain();

  // 4.
  close(peer_fd_);
  peer_fd_ = -1;
  conn_ = nullptr;
  pools_ = nullptr;
  return std::move(out_);
}

void ServerHarness::WriteAll(std::string_view bytes) {
  int stalled = 0;
  while (!bytes.empty()) {
    ssize_t n = send(peer_fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      stalled = 0;
      continue;
    }
    if (n < 0 && errno != EAGAIN) return;  // the server closed: the rest is not read
    // The socket is full: a server that does not read (paused) leaves it so.
    if (++stalled == 3 || socket_ == nullptr) return;
    RunUntilQuiet();
  }
}

bool ServerHarness::Drain() {
  bool got = false;
  char buf[16384];
  while (!peer_eof_) {
    ssize_t n = read(peer_fd_, buf, sizeof(buf));
    if (n > 0) {
      out_.append(buf, static_cast<size_t>(n));
      got = true;
    } else if (n == 0 || errno != EAGAIN) {
      peer_eof_ = true;
    } else {
      break;
    }
  }
  return got;
}

// A turn with no completion did no I/O; the server's deferred work (ticks) ran in it. Sends complete within the turn that submits them
// (the peer reads everything each turn), and a piece written before a turn is
// received in it (the ring runs task work as it enters), so two quiet turns in a row
// mean that nothing is left to happen without new input.
void ServerHarness::RunUntilQuiet() {
  int quiet = 0;
  for (int turn = 0; quiet < 2; ++turn) {
    if (turn == kMaxTurns) Die("the server did not go quiet (a busy loop?)");
    uint64_t before = loop_->stats().completions;
    loop_->Defer([] {});  // this turn does not wait in the kernel
    loop_->RunOnce();
    bool sent = Drain();
    int unread = 0;
    if (socket_ != nullptr && !conn_->recv_paused() && !conn_->closing()) {
      ioctl(conn_->fd(), FIONREAD, &unread);
    }
    bool idle = loop_->stats().completions == before && !sent && unread == 0;
    quiet = idle ? quiet + 1 : 0;
  }
}

}  // namespace fuzz
