#include "http/client_loop.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "engine/buf_ring.h"
#include "http/agent.h"
#include "http/client_request.h"
#include "http/client_socket.h"
#include "http/errors.h"
#include "http/uncaught.h"

namespace http {
namespace {

// The client loops of this thread's engine loops (a thread runs one loop as a rule;
// a test may nest them).
thread_local std::vector<std::pair<engine::Loop*, std::unique_ptr<ClientLoop>>> t_client_loops;
std::atomic<uint64_t> next_id{0};

}  // namespace

ClientLoop* ClientLoop::Existing() {
  engine::Loop* loop = engine::Loop::current();
  if (loop == nullptr) return nullptr;
  for (auto& [l, cl] : t_client_loops) {
    if (l == loop) return cl.get();
  }
  return nullptr;
}

ClientLoop& ClientLoop::Current() {
  if (ClientLoop* cl = Existing()) return *cl;
  engine::Loop* loop = engine::Loop::current();
  if (loop == nullptr) {
    throw Error(ErrorType::kError, "ERR_HTTP_NO_LOOP",
                "The HTTP client runs on a loop: call it inside http::run() or from a "
                "listener of a server");
  }
  t_client_loops.emplace_back(loop, std::make_unique<ClientLoop>(*loop));
  ClientLoop* made = t_client_loops.back().second.get();
  // Before the loop closes its connections: the sockets must not outlive the client.
  loop->AtTeardown([loop] {
    auto it = std::find_if(t_client_loops.begin(), t_client_loops.end(),
                           [loop](const auto& e) { return e.first == loop; });
    if (it == t_client_loops.end()) return;
    std::unique_ptr<ClientLoop> gone = std::move(it->second);
    t_client_loops.erase(it);
    gone.reset();
  });
  return *made;
}

ClientLoop::ClientLoop(engine::Loop& loop)
    : loop_(loop), id_(next_id.fetch_add(1) + 1), mailbox_(engine::Mailbox::Create(loop)) {
  uint32_t ring = loop.recv_memory().ring_buffers;
  held_budget_ = ring / 4 > 0 ? ring / 4 : 1;
}

ClientLoop::~ClientLoop() {
  tearing_down_ = true;
  mailbox_->Close();
  // The agent's free sockets are closed with the rest below; the agent itself may
  // outlive this (a user's reference), and then no longer reaches any socket.
  global_agent_.reset();
  for (auto& s : sockets_) s->Abandon();
  while (requests_ != nullptr) requests_->Abandon();  // each one untracks itself
  sockets_.clear();
  timers_.clear();
}

const std::shared_ptr<Agent>& ClientLoop::globalAgent() {
  if (!global_agent_) global_agent_ = std::make_shared<Agent>();
  return global_agent_;
}

void ClientLoop::NextTick(Tick& t) {
  if (ticks_.Push(t)) ScheduleTicks();
}

void ClientLoop::CancelTick(Tick& t) {
  if (ticks_.Remove(t)) ScheduleTicks();
}

void ClientLoop::ScheduleTicks() {
  loop_.Defer([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    RunReportingExceptions([this] { ticks_.RunScheduled(); });
  });
}

void ClientLoop::Track(ClientRequest* r) {
  r->loop_prev_ = nullptr;
  r->loop_next_ = requests_;
  if (requests_ != nullptr) requests_->loop_prev_ = r;
  requests_ = r;
  Ref();
}

void ClientLoop::Untrack(ClientRequest* r) {
  if (r->loop_prev_ != nullptr) r->loop_prev_->loop_next_ = r->loop_next_;
  else requests_ = r->loop_next_;
  if (r->loop_next_ != nullptr) r->loop_next_->loop_prev_ = r->loop_prev_;
  r->loop_prev_ = r->loop_next_ = nullptr;
  Unref();
}

ClientSocket* ClientLoop::NewSocket() {
  sockets_.push_back(std::make_unique<ClientSocket>(this));
  Ref();
  return sockets_.back().get();
}

void ClientLoop::SocketClosed(ClientSocket* s) {
  closed_.push_back(s);
  if (freeing_scheduled_) return;
  freeing_scheduled_ = true;
  loop_.Defer([this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) FreeClosedSockets();
  });
}

void ClientLoop::FreeClosedSockets() {
  freeing_scheduled_ = false;
  std::vector<ClientSocket*> closed = std::move(closed_);
  closed_.clear();
  for (ClientSocket* s : closed) {
    auto it = std::find_if(sockets_.begin(), sockets_.end(),
                           [s](const auto& p) { return p.get() == s; });
    if (it == sockets_.end()) continue;
    if (s->refed_) Unref();
    std::swap(*it, sockets_.back());
    sockets_.pop_back();
  }
}

bool ClientLoop::TakeHeldBuffer() {
  if (held_buffers_ >= held_budget_) return false;
  ++held_buffers_;
  return true;
}

void ClientLoop::SetTimeout(std::function<void()> cb, uint64_t ms) {
  auto t = std::make_unique<UserTimer>();
  UserTimer* raw = t.get();
  raw->cb = std::move(cb);
  raw->timer.set_callback([this, raw] {
    std::function<void()> fn = std::move(raw->cb);
    // The timer is freed after its callback returns (it runs from the wheel).
    loop_.Defer([this, raw, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      auto at = std::find_if(timers_.begin(), timers_.end(),
                             [raw](const auto& p) { return p.get() == raw; });
      if (at != timers_.end()) timers_.erase(at);
    });
    Unref();
    RunReportingExceptions(fn);
  });
  timers_.push_back(std::move(t));
  Ref();
  loop_.ArmTimer(&raw->timer, ms);
}

void ClientLoop::SetImmediate(std::function<void()> cb) {
  Ref();
  loop_.Defer([this, cb = std::move(cb), alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    Unref();
    RunReportingExceptions(cb);
  });
}

}  // namespace http
