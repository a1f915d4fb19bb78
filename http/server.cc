#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/connection.h"
#include "engine/listener.h"
#include "engine/loop.h"
#include "engine/runtime.h"
#include "http/server_connection.h"
#include "http/uncaught.h"

namespace http {

std::atomic<size_t> maxHeaderSize{8192};

// What one loop of the server holds. Touched only on that loop's thread (other
// threads reach it through Runtime::Post, which fails once the loop has ended).
struct Server::LoopState final : engine::AcceptHandler {
  Server* server = nullptr;
  int index = 0;
  engine::Loop* loop = nullptr;  // valid on the loop's thread while it runs
  engine::Listener* listener = nullptr;
  std::unique_ptr<LoopPools> pools;
  size_t connections = 0;  // open on this loop
  bool closing = false;
  bool reported = false;  // counted in open_loops_ as closed
  // shutdown(): idle connections end when the grace timer fires (grace_over), and
  // from then on as soon as they go idle.
  engine::Timer grace_timer;
  bool grace_pending = false;
  bool grace_over = false;

  // A connection accepted while the server closes (the kernel had accepted it before
  // the listener stopped) is served like one that was idle when the close began.
  void OnAccept(engine::Connection& c) override {
    // Once this loop has reported closed ('close' may have been emitted), a late
    // accept is refused: left without a handler, the listener closes it.
    if (reported) return;
    auto* sc = new ServerConnection(pools.get(), &c, index);
    ++connections;
    server->emit<"connection">(static_cast<Socket&>(*sc));
    if (closing && !grace_pending && !c.closing() && c.user_data == sc) sc->CloseIfIdle();
  }
};

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  if (runtime_) {
    runtime_->Stop();
    runtime_->Join();
  }
  JoinNotifier();
}

size_t Server::max_header_size() const {
  return options_.maxHeaderSize != 0 ? options_.maxHeaderSize : maxHeaderSize.load();
}

Server& Server::listen(uint16_t port, std::string host, int threads, std::function<void()> cb) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (runtime_ && !closed_) {
      throw Error(ErrorType::kError, "ERR_SERVER_ALREADY_LISTEN",
                  "Listen method has been called more than once without closing.");
    }
  }
  if (runtime_) {
    // A server that has closed listens again, as v12's does. Its loops have stopped
    // (the last one's close stopped them); their threads end once that close's
    // listeners return, which the join waits for, so it cannot be made from one.
    if (runtime_->IsLoopThread()) {
      throw Error(ErrorType::kError, "ERR_SERVER_LISTEN_FROM_LOOP",
                  "listen() again from a listener of the server's own loops: call it "
                  "after join(), from another thread");
    }
    runtime_->Join();
    runtime_.reset();
    loops_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = closing_ = false;
    shutting_down_ = false;
  }
  // The 'close' of an earlier close() comes first: two threads never emit it at once.
  JoinNotifier();
  if (cb) once<"listening">(std::move(cb));
  int n = threads < 1 ? 1 : threads;
  for (int i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<LoopState>());
    loops_.back()->server = this;
    loops_.back()->index = i;
    loops_.back()->pools = std::make_unique<LoopPools>(this);
  }
  runtime_ = std::make_unique<engine::Runtime>();
  engine::RuntimeOptions ro;
  ro.threads = n;
  ro.loop.buffer_count = options_.recvBuffers;
  ro.loop.buffer_size = options_.recvBufferSize;
  ro.loop.overflow_bytes = options_.recvOverflowBytes;
  std::atomic<int> listen_error{0};
  std::atomic<uint16_t> bound{port};
  // The first loop opens the socket the loops share (with reusePort, binds its
  // own, and the others bind the port it got); the others follow it.
  std::mutex order;
  int shared_fd = -1;  // guarded by order; closed once every loop has its own
  engine::SetupError setup;
  int ret = runtime_->Start(
      ro,
      [&](engine::Loop& loop, int i) {
        LoopState& st = *loops_[i];
        st.loop = &loop;
        LoopPools* pools = st.pools.get();
        pools->SetRingBuffers(loop.recv_memory().ring_buffers);
        // A ring running low takes back the buffers that requests retain.
        loop.AddRecvPressureHandler([pools] { pools->MoveOutRetaining(); });
        // What a listener throws that the engine catches goes where the http layer's
        // own catches send it (http/uncaught.h).
        loop.set_exception_handler([](std::exception_ptr e) { ReportUncaughtException(e); });
        std::lock_guard<std::mutex> lock(order);
        if (listen_error.load() < 0) return;
        engine::ListenOptions lo;
        lo.host = host;
        lo.port = bound.load();
        int r = 0;
        if (options_.reusePort) {
          lo.reuse_port = true;
          r = loop.Listen(lo, &st, &st.listener);
        } else {
          if (shared_fd < 0) {
            uint16_t ignored;
            r = engine::OpenListenSocket(lo, &ignored);
            if (r >= 0) shared_fd = r;
          }
          if (r >= 0) {
            r = loop.AcceptOn(
                shared_fd, n > 1 ? engine::AcceptMode::kOneAtATime : engine::AcceptMode::kMultishot,
                &st, &st.listener);
          }
        }
        if (r < 0) {
          listen_error = r;
        } else if (bound.load() == 0) {
          bound = st.listener->port();
        }
      },
      &setup);
  if (shared_fd >= 0) ::close(shared_fd);
  // Either failure leaves the server as before listen(): no runtime (its loops have
  // ended: Start() stopped them, or we do), no loop state.
  if (ret < 0) {
    runtime_.reset();
    loops_.clear();
    EmitListenError(Error::ErrnoException(setup.err, "io_uring_setup", setup.message));
    return *this;
  }
  if (listen_error.load() < 0) {
    int err = -listen_error.load();
    runtime_->Stop();
    runtime_->Join();
    runtime_.reset();
    loops_.clear();
    EmitListenError(Error::UvExceptionWithHostPort(err, "listen", host, port));
    return *this;
  }
  port_ = bound.load();
  open_loops_ = n;
  listening_ = true;
  runtime_->Post(0, [this] { emit<"listening">(); });
  return *this;
}

// As v12's net.Server (emitErrorNT on the next tick): never from inside listen(). There
// is no loop, so the notifier's thread emits it, as it does 'close' for a close() on
// a server that does not run.
void Server::EmitListenError(Error error) {
  std::lock_guard<std::mutex> lock(mu_);
  NotifyLocked([this, error = std::move(error)] {
    RunReportingExceptions([&] { emit<"error">(error); });
  });
}

namespace {
void CloseIfIdle(engine::Connection& c) {
  if (c.user_data != nullptr && !c.closing()) {
    static_cast<ServerConnection*>(c.user_data)->CloseIfIdle();
  }
}
void StartShutdown(engine::Connection& c) {
  if (c.user_data != nullptr && !c.closing()) {
    static_cast<ServerConnection*>(c.user_data)->StartShutdown();
  }
}
}  // namespace

Server& Server::close(std::function<void()> cb) {
  if (!cb) return close(std::function<void(const Error*)>());
  return close([cb = std::move(cb)](const Error*) { cb(); });
}

Server& Server::close(std::function<void(const Error*)> cb) {
  return Close(false, 0, std::move(cb));
}

Server& Server::shutdown(uint64_t grace_ms, std::function<void(const Error*)> cb) {
  return Close(true, std::min(grace_ms, Socket::kTimeoutMax), std::move(cb));
}

bool Server::GraceOver(int loop_index) const {
  return loop_index >= 0 && loops_[loop_index]->grace_over;
}

Server& Server::Close(bool graceful, uint64_t grace_ms, std::function<void(const Error*)> cb) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!runtime_ || closed_) {
      NotifyLocked([this, cb = std::move(cb)] {
        const Error not_running = Error::ServerNotRunning();
        RunReportingExceptions([this] { emit<"close">(); });
        if (cb) RunReportingExceptions([&] { cb(&not_running); });
      });
      return *this;
    }
    if (cb) close_cbs_.push_back({std::move(cb), closing_});
    if (closing_) return *this;
    closing_ = true;
    // Before any loop closes: a request parsed after this is seen as the last.
    if (graceful) shutting_down_ = true;
  }
  listening_ = false;
  // Every loop still runs: only the last loop's LoopClosed() (after this first
  // close()) or ~Server stops them, so no Post fails here.
  for (auto& st : loops_) {
    LoopState* s = st.get();
    runtime_->Post(s->index, [this, s, graceful, grace_ms] {
      s->closing = true;
      if (graceful) {
        // Clients that connected in time are served: those the kernel has accepted
        // join the connections that the grace is for.
        s->grace_pending = true;
        if (s->listener != nullptr) s->listener->TakeBacklog();
      }
      if (s->listener != nullptr) s->listener->Close();
      s->listener = nullptr;
      if (graceful) {
        s->loop->ForEachConnection(StartShutdown);
        s->grace_timer.set_callback([s] {
          s->grace_pending = false;
          s->grace_over = true;
          s->loop->ForEachConnection(CloseIfIdle);
        });
        s->loop->ArmTimer(&s->grace_timer, grace_ms);
      } else {
        // v12's close() is net.Server's: connections already open are left to end.
        // As Node 19 (and the graceful shutdown users expect), the idle ones end now.
        s->loop->ForEachConnection(CloseIfIdle);
      }
      if (s->connections == 0) LoopClosed(*s);
    });
  }
  return *this;
}

void Server::ConnectionClosed(int loop_index) {
  // A connection that none of the server's loops accepted (loop_index -1: one that a
  // fuzz target runs on a loop of its own, tests/fuzz/server_harness.h) is counted
  // by none of them.
  if (loop_index < 0) return;
  LoopState& st = *loops_[loop_index];
  --st.connections;
  if (st.closing && st.connections == 0) LoopClosed(st);
}

// Once every loop has stopped accepting and lost its last connection, the server
// is closed: 'close' and the close callbacks run on the loop that finished last.
void Server::LoopClosed(LoopState& st) {
  if (st.reported) return;
  st.reported = true;
  st.loop->timers().Cancel(&st.grace_timer);
  if (--open_loops_ != 0) return;
  std::vector<CloseCallback> cbs;
  {
    // From here on, close() finds the server not running.
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cbs.swap(close_cbs_);
  }
  // A listener or callback that throws is reported (http/uncaught.h); the others
  // still run, and the server still stops, so that join() returns.
  RunReportingExceptions([this] { emit<"close">(); });
  const Error not_running = Error::ServerNotRunning();
  for (auto& cb : cbs) {
    RunReportingExceptions([&] { cb.fn(cb.not_running ? &not_running : nullptr); });
  }
  runtime_->Stop();
}

// Queues `fn` for the notifier's thread, starting it unless it runs. mu_ is held.
void Server::NotifyLocked(std::function<void()> fn) {
  not_running_.push_back(std::move(fn));
  if (notifying_) return;
  // The previous notifier has run its last callback (notifying_ is cleared after
  // it): this join does not wait on a listener.
  if (notifier_.joinable()) notifier_.join();
  notifying_ = true;
  notifier_ = std::thread([this] { NotifyNotRunning(); });
}

// The notifier's thread: what a server that does not run emits (a failed listen()'s
// 'error'; each close()'s 'close' and callback), in call order, until none is left.
void Server::NotifyNotRunning() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!not_running_.empty()) {
    std::vector<std::function<void()>> batch;
    batch.swap(not_running_);
    lock.unlock();
    for (auto& fn : batch) fn();
    lock.lock();
  }
  notifying_ = false;
}

// Waits for the notifier, unless called from it (a callback that calls listen()).
void Server::JoinNotifier() {
  std::thread notifier;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!notifier_.joinable() || notifier_.get_id() == std::this_thread::get_id()) return;
    notifier.swap(notifier_);
  }
  notifier.join();
}

// A loop that has ended (the server closed) has no connection left: its Post fails.
void Server::closeIdleConnections() {
  if (!runtime_) return;
  for (auto& st : loops_) {
    LoopState* s = st.get();
    runtime_->Post(s->index, [s] { s->loop->ForEachConnection(CloseIfIdle); });
  }
}

uint64_t Server::copiedBytes() const {
  uint64_t n = 0;
  for (const auto& st : loops_) n += st->pools->copied_bytes();
  return n;
}

uint64_t Server::sendCalls() const { return runtime_ ? runtime_->totals().sendmsgs : 0; }

Server::RecvMemory Server::recvMemory() const {
  RecvMemory m;
  if (!runtime_) return m;
  engine::Runtime::Totals t = runtime_->totals();
  m.ringInUse = t.ring_in_use;
  m.overflowBytes = t.overflow_bytes;
  m.waiters = t.recv_waiters;
  m.enobufs = t.enobufs;
  m.overflowRecvs = t.own_recvs;
  return m;
}

void Server::join() {
  if (runtime_) runtime_->Join();
  JoinNotifier();
}

Server& Server::setTimeout(uint64_t ms, std::function<void()> cb) {
  timeout = ms;
  if (cb) on<"timeout">([cb = std::move(cb)](Socket&) { cb(); });
  return *this;
}

std::unique_ptr<Server> createServer(std::function<void(IncomingMessage&, ServerResponse&)> l) {
  return createServer(ServerOptions{}, std::move(l));
}

std::unique_ptr<Server> createServer(ServerOptions options,
                                     std::function<void(IncomingMessage&, ServerResponse&)> l) {
  auto server = std::make_unique<Server>(std::move(options));
  if (l) server->on<"request">(std::move(l));
  return server;
}

}  // namespace http
