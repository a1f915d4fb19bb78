#include "tests/client_conformance/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace client_conformance {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<Plan> PlansOf(const std::vector<std::string>& texts) {
  std::vector<Plan> plans;
  for (const std::string& text : texts) plans.push_back(ParseResponse(text));
  return plans;
}

// Writes all of `bytes` to the non-blocking socket `fd`, waiting for room when the
// client is slow to read. Errors end it quietly: harness.js ignores them too (the
// client may well have gone).
void SendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 5000) <= 0) return;
    } else {
      return;
    }
  }
}

}  // namespace

ScriptedPeer::ScriptedPeer(std::vector<std::string> responses, std::string listen)
    : texts_(std::move(responses)), plans_(PlansOf(texts_)), listen_(std::move(listen)) {}

ScriptedPeer::ScriptedPeer(const Fixture& fixture) : ScriptedPeer(fixture.responses, fixture.listen) {}

ScriptedPeer::~ScriptedPeer() { Stop(); }

bool ScriptedPeer::Start() {
  const bool v6 = listen_.find(':') != std::string::npos;
  sockaddr_storage addr{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    a->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, listen_.c_str(), &a->sin6_addr) != 1) return errno = EINVAL, false;
    len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    a->sin_family = AF_INET;
    if (inet_pton(AF_INET, listen_.c_str(), &a->sin_addr) != 1) return errno = EINVAL, false;
    len = sizeof(*a);
  }
  listen_fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (listen_fd_ < 0 ||
      setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listen_fd_, 511) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int saved = errno;
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    errno = saved;
    return false;
  }
  port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_activity_ = Clock::now();
  }
  thread_ = std::thread([this] { Run(); });
  return true;
}

void ScriptedPeer::Stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& conn : conns_) {
    if (conn->fd >= 0) close(conn->fd);
    conn->fd = -1;
    conn->gone = true;
    conn->steps.clear();
    conn->waiting_until.reset();
  }
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
}

// The peer's thread: one poll over the wake-up eventfd, the listening socket and the
// open connections, with a timeout at the earliest step that waits; then, under mu_,
// accept, read and split, and play the steps whose time has come.
void ScriptedPeer::Run() {
  for (;;) {
    std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    std::vector<size_t> index;  // fds[k + 2] is connection index[k]
    int timeout = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto now = Clock::now();
      for (size_t i = 0; i < conns_.size(); ++i) {
        const Connection& c = *conns_[i];
        if (c.gone) continue;
        fds.push_back({c.fd, POLLIN, 0});
        index.push_back(i);
        if (c.waiting_until) {
          auto ms = std::chrono::ceil<std::chrono::milliseconds>(*c.waiting_until - now).count();
          ms = std::max<decltype(ms)>(ms, 0);
          timeout = timeout < 0 ? static_cast<int>(ms) : std::min(timeout, static_cast<int>(ms));
        }
      }
    }
    if (poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;

    std::lock_guard<std::mutex> lock(mu_);
    if (fds[1].revents & POLLIN) Accept();
    for (size_t k = 0; k < index.size(); ++k) {
      Connection& conn = *conns_[index[k]];
      if (fds[k + 2].revents != 0 && !conn.gone) Read(conn, index[k]);
    }
    const auto now = Clock::now();
    for (auto& conn : conns_) {
      if (conn->waiting_until && *conn->waiting_until <= now) {
        conn->waiting_until.reset();
        Pump(*conn);
      }
    }
  }
}

void ScriptedPeer::Accept() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto conn = std::make_unique<Connection>();
    conn->fd = fd;
    conns_.push_back(std::move(conn));
    Touch();
  }
}

void ScriptedPeer::Read(Connection& conn, size_t index) {
  char buf[65536];
  ssize_t n = recv(conn.fd, buf, sizeof(buf), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // The client's FIN (Node answers it with its own, then closes) or an error.
    Close(conn, false);
    return;
  }
  conn.received.append(buf, static_cast<size_t>(n));
  conn.pending.append(buf, static_cast<size_t>(n));
  Touch();
  Split(conn, index);
}

// harness.js's onData loop, step for step. It goes on splitting after a reset, as
// that one does: the requests still take their responses.
void ScriptedPeer::Split(Connection& conn, size_t index) {
  for (;;) {
    const long head = HeadLength(conn.pending);
    if (!conn.head_answered && head >= 0 && next_ < plans_.size() && plans_[next_].on_head) {
      conn.head_answered = true;
      Answer(conn, index, conn.consumed + static_cast<size_t>(head));
    }
    const long n = RequestLength(conn.pending);
    if (n < 0) break;
    conn.pending.erase(0, static_cast<size_t>(n));
    conn.consumed += static_cast<size_t>(n);
    conn.head_answered = false;
    Answer(conn, index, conn.consumed);
  }
}

void ScriptedPeer::Answer(Connection& conn, size_t index, size_t offset) {
  const size_t shown = NamePort(std::string_view(conn.received).substr(0, offset), port_).size();
  std::string line = "connection " + std::to_string(index) + " at " + std::to_string(shown) +
                     " response ";
  Touch();
  if (next_ >= plans_.size()) {
    answers_.push_back(line + "none");
    return;
  }
  const size_t k = next_++;
  answers_.push_back(line + std::to_string(k));
  const Plan& plan = plans_[k];
  if (plan.delay_ms > 0) conn.steps.push_back({Step::Kind::kWait, plan.delay_ms, {}});
  if (!plan.bytes.empty()) conn.steps.push_back({Step::Kind::kWrite, 0, plan.bytes});
  if (plan.end != Plan::End::kKeep) {
    if (plan.end_delay_ms > 0) conn.steps.push_back({Step::Kind::kWait, plan.end_delay_ms, {}});
    conn.steps.push_back(
        {plan.end == Plan::End::kFin ? Step::Kind::kFin : Step::Kind::kReset, 0, {}});
  }
  Pump(conn);
}

void ScriptedPeer::Pump(Connection& conn) {
  while (!conn.waiting_until && !conn.gone && !conn.steps.empty()) {
    Step step = std::move(conn.steps.front());
    conn.steps.pop_front();
    Touch();
    switch (step.kind) {
      case Step::Kind::kWait:
        conn.waiting_until = Clock::now() + std::chrono::milliseconds(step.ms);
        break;
      case Step::Kind::kWrite:
        if (!conn.ended) SendAll(conn.fd, step.bytes);
        break;
      case Step::Kind::kFin:
        if (!conn.ended) shutdown(conn.fd, SHUT_WR);
        conn.ended = true;
        break;
      case Step::Kind::kReset:
        Close(conn, true);
        break;
    }
  }
}

void ScriptedPeer::Close(Connection& conn, bool reset) {
  if (reset) {
    // A zero linger turns close() into a RST.
    linger zero{1, 0};
    setsockopt(conn.fd, SOL_SOCKET, SO_LINGER, &zero, sizeof(zero));
  }
  close(conn.fd);
  conn.fd = -1;
  conn.ended = conn.gone = true;
  conn.steps.clear();
  conn.waiting_until.reset();
  Touch();
}

void ScriptedPeer::Touch() {
  last_activity_ = Clock::now();
  ++generation_;
  changed_.notify_all();
}

bool ScriptedPeer::WaitForQuiet(int quiet_ms, int limit_ms) const {
  const auto limit = Clock::now() + std::chrono::milliseconds(limit_ms);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const bool waiting = std::any_of(conns_.begin(), conns_.end(),
                                     [](const auto& c) { return c->waiting_until.has_value(); });
    const auto quiet_at = last_activity_ + std::chrono::milliseconds(quiet_ms);
    const auto now = Clock::now();
    if (!waiting && now >= quiet_at) return true;
    if (now >= limit) return false;
    // A waiting step ends with a Touch(), which wakes us.
    changed_.wait_until(lock, waiting ? limit : std::min(limit, quiet_at));
  }
}

bool ScriptedPeer::WaitUntil(const std::function<bool()>& pred, int limit_ms) const {
  const auto limit = Clock::now() + std::chrono::milliseconds(limit_ms);
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = generation_;
    }
    if (pred()) return true;
    std::unique_lock<std::mutex> lock(mu_);
    if (!changed_.wait_until(lock, limit, [&] { return generation_ != seen; })) {
      lock.unlock();
      return pred();
    }
  }
}

size_t ScriptedPeer::connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return conns_.size();
}

std::string ScriptedPeer::Received(size_t i) const {
  std::lock_guard<std::mutex> lock(mu_);
  return i < conns_.size() ? NamePort(conns_[i]->received, port_) : std::string();
}

bool ScriptedPeer::Closed(size_t i) const {
  std::lock_guard<std::mutex> lock(mu_);
  return i < conns_.size() && conns_[i]->gone;
}

std::vector<std::string> ScriptedPeer::Answers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_;
}

}  // namespace client_conformance
