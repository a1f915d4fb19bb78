#include "engine/loop.h"

#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "engine/buf_ring.h"
#include "engine/connection_pool.h"
#include "engine/listener.h"
#include "engine/ring.h"

namespace engine {
namespace {

constexpr uint32_t kIovScratch = 16384;
constexpr uint32_t kMsgScratch = 2048;
constexpr unsigned kCqeBatch = 256;

uint64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// Multishot receive into provided buffer rings arrived in Linux 6.0.
bool KernelAtLeast6() {
  utsname u;
  if (uname(&u) != 0) return true;
  int major = 0;
  std::sscanf(u.release, "%d", &major);
  return major >= 6;
}

// The tail of the calling thread's list of live loops (Loop::current()).
thread_local Loop* t_current_loop = nullptr;

}  // namespace

bool Completion::more() const { return (flags & IORING_CQE_F_MORE) != 0; }
bool Completion::has_buffer() const { return (flags & IORING_CQE_F_BUFFER) != 0; }
uint16_t Completion::buffer() const {
  return static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
}

Loop::Loop() : timers_(MonotonicMs()) {}

std::unique_ptr<Loop> Loop::Create(const LoopOptions& options, SetupError* error) {
  std::unique_ptr<Loop> loop(new Loop());
  if (loop->Init(options, error) != 0) return nullptr;
  return loop;
}

std::unique_ptr<Loop> Loop::CreateOrDie(const LoopOptions& options) {
  SetupError error;
  std::unique_ptr<Loop> loop = Create(options, &error);
  if (!loop) DieWithSetupError(error);
  return loop;
}

int Loop::Init(const LoopOptions& options, SetupError* error) {
  ring_ = std::make_unique<Ring>();
  int ret = ring_->Init(options.sq_entries, error);
  if (ret < 0) return ret;
  if (!KernelAtLeast6()) {
    if (error) *error = DescribeSetupError("the kernel version check", -EINVAL);
    return -EINVAL;
  }
  buffers_ = std::make_unique<BufRing>();
  ret = buffers_->Init(ring_->raw(), 0, options.buffer_count, options.buffer_size, error);
  if (ret < 0) return ret;
  buffers_->SetOverflowCap(options.overflow_bytes);
  linger_ms_ = options.linger_ms;
  linger_timer_.set_callback([this] { CloseExpiredLingerers(); });
  pool_ = std::make_unique<ConnectionPool>();
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    ret = -errno;
    if (error) *error = DescribeSetupError("eventfd", ret);
    return ret;
  }
  timers_.set_exception_sink([this](std::exception_ptr e) { ReportException(e); });
  iov_scratch_ = std::make_unique<iovec[]>(kIovScratch);
  msg_scratch_ = std::make_unique<msghdr[]>(kMsgScratch);
  wake_op_ = Op{OpKind::kWake, 0, generation_, this};
  ignore_op_ = Op{OpKind::kIgnore, 0, generation_, this};
  UpdateClock();
  ArmWake();
  ready_ = true;
  created_before_ = t_current_loop;
  if (created_before_ != nullptr) created_before_->created_after_ = this;
  t_current_loop = this;
  return 0;
}

Loop* Loop::current() { return t_current_loop; }

Loop::~Loop() {
  if (!ready_) return;  // Init failed: nothing was submitted, nothing else to stop
  // Those who let other threads post here stop them before the queue is dropped.
  for (size_t i = 0; i < at_teardown_.size(); ++i) {
    std::function<void()> fn = std::move(at_teardown_[i]);  // fn may add more
    RunGuarded(fn);
  }
  at_teardown_.clear();
  at_teardown_ran_ = true;
  // Functions posted and not yet run are dropped, not run in the teardown's turns,
  // where what they reach is being closed. (Runtime::Post stops reaching a loop once
  // its Run() has returned, before its thread destroys it.)
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    dropped.swap(posted_);
    has_posted_.store(false, std::memory_order_relaxed);
  }
  dropped.clear();  // outside the lock: a destructor may Post()
  // Stop everything, then let the cancellations drain (bounded: a kernel that never
  // answers must not hang the process).
  tearing_down_ = true;
  for (Listener* l : listeners_) l->Close();
  pool_->ForEachLive([](Connection* c) { c->Close(); });
  stop_.store(false);
  for (int turn = 0; turn < 10000 && (pool_->live() > 0 || !listeners_.empty()); ++turn) {
    RunOnce();
  }
  wake_closing_ = true;
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_cancel(sqe, &wake_op_, 0);
  io_uring_sqe_set_data(sqe, &ignore_op_);
  for (int turn = 0; turn < 1000 && wake_op_.in_flight > 0; ++turn) RunOnce();
  bool drained = pool_->live() == 0 && listeners_.empty() && wake_op_.in_flight == 0;
  if (drained) {
    buffers_.reset();  // unregisters the buffer ring while the ring is alive
    ring_.reset();
  } else {
    // Exiting the ring cancels what is left, and drops the buffer ring's
    // registration with it; only then may the memory those operations use go.
    io_uring_submit(ring_->raw());  // the last turn's socket closes go too
    buffers_->ForgetRing();
    ring_.reset();
    // What did not close in time is freed without its OnClose (nothing can be
    // submitted any more): its sockets are closed here, and the connections go with
    // the pool, before the buffer ring that their held buffers point into.
    for (Listener* l : listeners_) delete l;
    listeners_.clear();
    listener_reap_.clear();
    pool_->ForEachLive([](Connection* c) { close(c->fd_); });
    pool_.reset();
    buffers_.reset();
  }
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    if (wake_fd_ >= 0) close(wake_fd_);
    wake_fd_ = -1;
  }
  if (created_before_ != nullptr) created_before_->created_after_ = created_after_;
  if (created_after_ != nullptr) {
    created_after_->created_before_ = created_before_;
  } else {
    t_current_loop = created_before_;
  }
}

void Loop::UpdateClock() { now_ms_ = MonotonicMs(); }

// --- the loop ------------------------------------------------------------------

void Loop::Run() {
  while (RunOnce()) {
  }
}

bool Loop::RunOnce() {
  FlushSends();
  SubmitAndWait();
  UpdateClock();
  Dispatch();
  RunTimers();
  RunDeferred();
  Reap();
  RefillBuffers();
  return !stop_.load(std::memory_order_relaxed);
}

void Loop::Stop() {
  stop_.store(true, std::memory_order_relaxed);
  Post([] {});  // wakes the loop if it is waiting in the kernel
}

// Phase 1. Every connection listed since the last turn submits one sendmsg.
void Loop::FlushSends() {
  // The previous submit consumed every entry, so the scratch is free again.
  if (io_uring_sq_ready(ring_->raw()) == 0) iov_used_ = msg_used_ = 0;
  // A connection that cannot get scratch lists itself again, for the next turn.
  flushing_.swap(flush_list_);
  for (Connection* c : flushing_) {
    c->flush_listed_ = false;
    c->FlushSends();
  }
  flushing_.clear();
}

bool Loop::ReserveSendScratch(uint32_t iovcnt, msghdr** msg, iovec** iov) {
  if (msg_used_ == kMsgScratch || iov_used_ + iovcnt > kIovScratch) {
    // Hand what is prepared to the kernel; once it consumed the entries the
    // scratch may be reused.
    io_uring_submit(ring_->raw());
    ++stats_.enters;
    if (io_uring_sq_ready(ring_->raw()) != 0) return false;
    iov_used_ = msg_used_ = 0;
  }
  *msg = &msg_scratch_[msg_used_++];
  *iov = &iov_scratch_[iov_used_];
  iov_used_ += iovcnt;
  return true;
}

// Phase 2. One enter: submit, and wait unless there is work to do without waiting.
void Loop::SubmitAndWait() {
  io_uring* ring = ring_->raw();
  ++stats_.enters;
  bool busy = !deferred_.empty() || !delivery_list_.empty() ||
              stop_.load(std::memory_order_relaxed) ||
              has_posted_.load(std::memory_order_relaxed);
  int ret;
  if (busy) {
    ret = io_uring_submit_and_get_events(ring);
  } else {
    int64_t wait_ms = timers_.NextWakeMs();
    if (wait_ms >= 0) {
      // The wheel's clock is this turn's; time spent since then shortens the wait.
      int64_t elapsed = static_cast<int64_t>(MonotonicMs() - timers_.now_ms());
      wait_ms = std::max<int64_t>(0, wait_ms - elapsed);
    }
    if (wait_ms < 0) {
      ret = io_uring_submit_and_wait(ring, 1);
    } else if (wait_ms == 0) {
      ret = io_uring_submit_and_get_events(ring);
    } else {
      __kernel_timespec ts;
      ts.tv_sec = wait_ms / 1000;
      ts.tv_nsec = (wait_ms % 1000) * 1000000;
      io_uring_cqe* cqe = nullptr;
      ret = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nullptr);
    }
  }
  // -ETIME: the timer is due; -EINTR: a signal; -EBUSY: the completion queue
  // overflowed, and Dispatch() flushes it. None needs more than the next phases.
  (void)ret;
}

// Phase 3. Completions are copied out and the queue advanced before any handler
// runs, so handlers may submit freely (even when that means entering the kernel).
void Loop::Dispatch() {
  io_uring* ring = ring_->raw();
  struct Entry {
    Op* op;
    Completion c;
  };
  Entry batch[kCqeBatch];
  for (;;) {
    unsigned n = 0;
    unsigned head;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
      batch[n++] = Entry{static_cast<Op*>(io_uring_cqe_get_data(cqe)),
                         Completion{cqe->res, cqe->flags}};
      if (n == kCqeBatch) break;
    }
    if (n == 0) {
      if (!io_uring_cq_has_overflow(ring)) return;
      // Completions the CQ had no room for wait in the kernel; pull them in.
      ++stats_.cq_overflows;
      io_uring_get_events(ring);
      if (io_uring_cq_ready(ring) == 0) return;
      continue;
    }
    io_uring_cq_advance(ring, n);
    stats_.completions += n;
    for (unsigned i = 0; i < n; ++i) {
      Op* op = batch[i].op;
      if (op == nullptr) continue;
      if (op->owner->generation() != op->generation) {
        ++stats_.stale_completions;
        continue;
      }
      if (!batch[i].c.more() && op->in_flight > 0) --op->in_flight;
      op->owner->OnCompletion(*op, batch[i].c);
    }
  }
}

void Loop::OnCompletion(Op& op, const Completion& c) {
  (void)c;
  if (op.kind == OpKind::kWake && c.res != -ECANCELED && !wake_closing_) {
    ArmWake();  // Post()ed functions themselves run in the deferred phase
  }
}

void Loop::ArmWake() {
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_read(sqe, wake_fd_, &wake_buf_, sizeof(wake_buf_), 0);
  io_uring_sqe_set_data(sqe, &wake_op_);
  ++wake_op_.in_flight;
}

// Phase 4.
void Loop::RunTimers() { timers_.Advance(now_ms_); }

// Phase 5. At most kMaxDeferredPerTurn functions; the rest wait for the next turn,
// which then does not block in the kernel.
void Loop::RunDeferred() {
  if (has_posted_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(post_mu_);
    for (auto& fn : posted_) deferred_.push_back(std::move(fn));
    posted_.clear();
    wake_pending_ = false;
    has_posted_.store(false, std::memory_order_relaxed);
  }
  // What the functions defer runs in the same phase (as Node drains the nextTick
  // queue a callback adds to), within the phase's bound.
  size_t budget = kMaxDeferredPerTurn;
  while (!deferred_.empty() && budget != 0) {
    size_t n = std::min<size_t>(deferred_.size(), budget);
    budget -= n;
    running_.assign(std::make_move_iterator(deferred_.begin()),
                    std::make_move_iterator(deferred_.begin() + static_cast<std::ptrdiff_t>(n)));
    deferred_.erase(deferred_.begin(), deferred_.begin() + static_cast<std::ptrdiff_t>(n));
    for (auto& fn : running_) RunGuarded(fn);
    running_.clear();
  }
  // (A connection listed again while it is handed its data, by a handler that pauses
  // and resumes, waits for the next turn: the phase ends.)
  delivering_.swap(delivery_list_);
  for (Connection* c : delivering_) {
    c->deliver_listed_ = false;
    if (!c->closing_) c->DeliverHeld();
  }
  delivering_.clear();
}

// The eventfd is written under the lock, and the destructor takes the lock before
// closing it: a Post() that races with the loop's end finishes before the loop goes.
void Loop::Post(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(post_mu_);
  posted_.push_back(std::move(fn));
  has_posted_.store(true, std::memory_order_release);
  if (wake_pending_ || wake_fd_ < 0) return;
  wake_pending_ = true;
  uint64_t one = 1;
  ssize_t r = write(wake_fd_, &one, sizeof(one));
  (void)r;  // EAGAIN only when the counter is saturated: the loop is awake anyway
}

void Loop::Defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

void Loop::AtTeardown(std::function<void()> fn) {
  if (at_teardown_ran_) {
    RunGuarded(fn);
    return;
  }
  at_teardown_.push_back(std::move(fn));
}

void Loop::set_exception_handler(std::function<void(std::exception_ptr)> fn) {
  exception_handler_ = std::move(fn);
}

void Loop::RunGuarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (...) {
    ReportException(std::current_exception());
  }
}

// The handler itself must not throw either: what it throws is dropped.
void Loop::ReportException(std::exception_ptr e) {
  try {
    if (exception_handler_) {
      exception_handler_(e);
      return;
    }
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    std::fprintf(stderr, "engine: a loop callback threw: %s\n", x.what());
  } catch (...) {
    std::fprintf(stderr, "engine: a loop callback threw a non-std::exception\n");
  }
}

void Loop::ForEachConnection(const std::function<void(Connection&)>& fn) {
  pool_->ForEachLive([&fn](Connection* c) { fn(*c); });
}

// The wheel fires once the truncated clock reaches the deadline; counting from a
// fresh reading plus one keeps that from being early.
uint64_t Loop::DeadlineAfter(uint64_t delay_ms) const { return MonotonicMs() + 1 + delay_ms; }

// Phase 6.
void Loop::Reap() {
  size_t keep = 0;
  for (size_t i = 0; i < reap_list_.size(); ++i) {
    Connection* c = reap_list_[i];
    if (c->Reapable()) {
      c->reap_listed_ = false;
      Unlist(c);
      c->Reap();  // may close others, which appends to reap_list_
    } else {
      reap_list_[keep++] = c;
    }
  }
  reap_list_.resize(keep);
  keep = 0;
  for (Listener* l : listener_reap_) {
    if (l->Reapable()) {
      listeners_.erase(std::find(listeners_.begin(), listeners_.end(), l));
      delete l;
    } else {
      listener_reap_[keep++] = l;
    }
  }
  listener_reap_.resize(keep);
}

// --- lists ---------------------------------------------------------------------

void Loop::ListForFlush(Connection* c) {
  if (c->flush_listed_) return;
  c->flush_listed_ = true;
  flush_list_.push_back(c);
}

void Loop::ListForReap(Connection* c) {
  if (c->reap_listed_) return;
  c->reap_listed_ = true;
  reap_list_.push_back(c);
}

// The lists the phases walk hold plain pointers: a connection reaped while on one
// would be reached after its reset (or after its reuse).
void Loop::Unlist(Connection* c) {
  UnlistForBuffers(c);  // its queue entry is skipped: the generation moves on
  if (c->flush_listed_) {
    flush_list_.erase(std::find(flush_list_.begin(), flush_list_.end(), c));
    c->flush_listed_ = false;
  }
  if (c->deliver_listed_) {
    delivery_list_.erase(std::find(delivery_list_.begin(), delivery_list_.end(), c));
    c->deliver_listed_ = false;
  }
}

void Loop::ListForDelivery(Connection* c) {
  if (c->deliver_listed_) return;
  c->deliver_listed_ = true;
  delivery_list_.push_back(c);
}

void Loop::ListListenerForReap(Listener* l) {
  if (std::find(listener_reap_.begin(), listener_reap_.end(), l) == listener_reap_.end()) {
    listener_reap_.push_back(l);
  }
}

// --- sockets -------------------------------------------------------------------

Connection* Loop::NewConnection(int fd, bool connecting) {
  Connection* c = pool_->Get();
  ++stats_.connections_opened;
  c->Start(this, fd, connecting);
  return c;
}

size_t Loop::live_connections() const { return pool_->live(); }

int Loop::Listen(const ListenOptions& options, AcceptHandler* handler, Listener** out) {
  uint16_t port = 0;
  int fd = OpenListenSocket(options, &port);
  if (fd < 0) return fd;
  auto* l = new Listener(this, fd, port, AcceptMode::kMultishot, handler);
  listeners_.push_back(l);
  l->Arm();
  *out = l;
  return 0;
}

int Loop::AcceptOn(int listen_fd, AcceptMode mode, AcceptHandler* handler, Listener** out) {
  int fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -errno;
  // The accepted sockets inherit it, as from OpenListenSocket's (a socket opened
  // elsewhere may lack it; this sets it on the socket both descriptors share).
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  auto* l = new Listener(this, fd, BoundPort(fd), mode, handler);
  listeners_.push_back(l);
  l->Arm();
  *out = l;
  return 0;
}

int Loop::Connect(const sockaddr* addr, socklen_t len, ConnectionHandler* handler,
                  Connection** out, const sockaddr* local, socklen_t local_len) {
  int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (local != nullptr && bind(fd, local, local_len) != 0) {
    int err = -errno;
    close(fd);
    return err;
  }
  Connection* c = NewConnection(fd, true);
  c->set_handler(handler);
  io_uring_sqe* sqe = ring_->GetSqe();
  io_uring_prep_connect(sqe, fd, addr, len);
  io_uring_sqe_set_data(sqe, &c->connect_op_);
  ++c->connect_op_.in_flight;
  // The kernel copies the address when it consumes the entry; submit now so that
  // the caller's address may go out of scope when we return.
  io_uring_submit(ring_->raw());
  ++stats_.enters;
  *out = c;
  return 0;
}

}  // namespace engine
