// Loop: one io_uring event loop, owned by and run on one thread.
//
// Run() repeats RunOnce() until Stop(). RunOnce() is a list of named phases:
//   1. flush sends:   every connection with queued bytes gets one sendmsg;
//   2. submit & wait: one io_uring_enter submits everything and waits for at least
//                     one completion, or until the next timer is due, or not at all
//                     when deferred work is pending;
//   3. dispatch:      walk the completion queue; hand each completion to its op's
//                     owner (stale ones, whose owner's generation moved on, are
//                     dropped);
//   4. timers:        fire expired timers;
//   5. deferred work: run Post()ed and Defer()red functions, at most
//                     kMaxDeferredPerTurn of them, so a callback that keeps deferring
//                     cannot starve I/O; then hand held data to resumed connections;
//   6. reap:          free connections and listeners that were closed and have no
//                     operation left in flight (deferred close: nothing is freed
//                     while a handler of its may still be on the stack);
//   7. buffers:       publish recycled buffers to the kernel, those that the reap
//                     let go of included (a loop that then waits must not keep them
//                     from connections waiting for memory); re-arm receives that
//                     ran out of buffers, oldest first, one per free buffer; when
//                     the ring stays dry, ask the pressure handlers to let go, then
//                     receive into overflow memory up to its cap (connection.h,
//                     "Receiving").
// Between phases the completion queue holds no completion that was already seen.
//
// Threads: everything but Post() and Stop() must be called on the loop's thread, the
// destructor included (the thread that created the loop: see ~Loop). Post() and
// Stop() from another thread need the loop to be alive for the whole call: nothing
// in the loop can check that, so the caller must know it. Runtime::Post() does: it
// posts under the runtime's lock, which the loop's thread takes before it destroys
// the loop. A thread that cannot know posts through a Mailbox (mailbox.h), which the
// loop closes when its destruction begins.
#ifndef ENGINE_LOOP_H_
#define ENGINE_LOOP_H_

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/op.h"
#include "engine/setup_error.h"
#include "engine/timer.h"

struct iovec;
struct msghdr;

namespace engine {

class BufRing;
class Listener;
class ConnectionPool;
class Ring;
struct ListenOptions;
class AcceptHandler;
enum class AcceptMode;

struct LoopOptions {
  unsigned sq_entries = 1024;   // the completion queue gets 4x as many
  uint32_t buffer_count = 1024;  // provided receive buffers (a power of two)
  uint32_t buffer_size = 16384;  // bytes each (at most BufRing::kMaxBufferSize)
  // Receive memory beyond the ring, for when every ring buffer is retained: plain
  // receives into blocks of buffer_size, and pieces held across a pause. 0: none
  // (a dry ring then waits for its buffers to come back).
  size_t overflow_bytes = 16u << 20;
  // How long a connection that End()ed waits for its peer's FIN, reading and
  // discarding what comes, before it closes anyway (connection.h, "Closing"). 0: no
  // lingering; End() closes once its sends are out.
  uint64_t linger_ms = 5000;
};

// Counters of a loop's work: written by the loop's thread only, readable from any
// thread (each is a recent value; together they are not a snapshot).
class StatCounter {
 public:
  void operator++() { operator+=(1); }
  void operator+=(uint64_t n) {
    // One writer: a relaxed load and store, no locked instruction.
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }  // for gauges
  operator uint64_t() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct LoopStats {
  StatCounter enters;             // io_uring_enter calls made by the loop itself
  StatCounter completions;
  StatCounter stale_completions;  // dropped: owner's generation had moved on
  StatCounter sendmsgs;
  StatCounter enobufs;            // receives that found the buffer ring empty
  StatCounter own_recvs;          // receives into overflow memory (the ring was dry)
  StatCounter recv_pressure;      // buffers phases that called the pressure handlers
  StatCounter hangup_polls;       // waiters that watched for their peer's hang-up
  StatCounter linger_timeouts;    // lingering connections closed at their deadline, not by a FIN
  // Gauges, as of the last buffers phase: ring buffers still referenced after their
  // receive, overflow bytes in use, connections waiting for receive memory.
  StatCounter ring_in_use;
  StatCounter overflow_bytes;
  StatCounter recv_waiters;
  StatCounter cq_overflows;
  StatCounter connections_opened;
  StatCounter connections_freed;
};

class Loop final : public OpOwner {
 public:
  static constexpr int kMaxDeferredPerTurn = 4096;

  // Sets up the ring and the buffer ring. On failure returns null and fills *error.
  static std::unique_ptr<Loop> Create(const LoopOptions& options, SetupError* error);
  // Same, but prints the error and exits (status 2) on failure.
  static std::unique_ptr<Loop> CreateOrDie(const LoopOptions& options);

  // The loop most recently created on the calling thread that is still alive, or
  // null: how code running on a loop's thread, with no Loop& at hand, finds it. A
  // loop is current from the end of a successful Create() to the end of its
  // destructor (teardown callbacks see their own loop, not the one created before
  // it); loops destroyed out of order leave the newest survivor current. Reads only
  // the calling thread's own record: never another thread's loop.
  static Loop* current();

  // First runs the AtTeardown() functions, then closes every listener and connection
  // and runs turns until their operations have drained (at most 11,000 turns, so a
  // kernel that never answers cannot hang it), then tears the ring down. What is
  // still open then (say, a handler whose OnClose keeps opening connections) is freed
  // without its OnClose, and its sockets are closed. Must run on the thread that
  // created the loop: the ring is single-issuer, and another thread's submissions
  // fail.
  ~Loop();

  void Run();
  // One pass through the phases. Returns false once Stop() was called.
  bool RunOnce();
  // Any thread. Run() returns after the current turn.
  void Stop();
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  // The destructor is closing everything: nothing new is handed to handlers.
  bool tearing_down() const { return tearing_down_; }

  // Any thread (while the loop is alive: see the top of this file): runs fn on the
  // loop thread, in a later deferred phase. Posts from one thread run in the order
  // they were posted. A function not yet run when the destructor starts is destroyed
  // there, on the loop's thread, without running.
  void Post(std::function<void()> fn);
  // Loop thread: runs fn in this turn's deferred phase (from inside that phase too,
  // within its bound), or the next's.
  void Defer(std::function<void()> fn);
  // Loop thread: runs fn at the start of the destructor, before any connection or
  // listener is closed and before unrun Post()ed functions are dropped, in the order
  // added (functions added by one of them run too, after it). For whoever lets other
  // threads reach the loop and must stop them first (Mailbox::Close). Once teardown
  // has begun (a handler called from the draining turns), runs fn at once, before
  // returning. Never runs if the loop is not destroyed. Each call keeps fn until
  // then: meant for one entry per owner of loop-wide state, not per request.
  void AtTeardown(std::function<void()> fn);
  // Loop thread: calls fn(c) for every connection of this loop not yet reaped
  // (closing ones too: see Connection::closing()). fn may close connections.
  void ForEachConnection(const std::function<void(Connection&)>& fn);

  // Monotonic milliseconds, read once per turn: a stamp for when something was seen
  // (an arrival is never later than the stamp of the turn that reaps it), and the
  // clock the timers fire on.
  uint64_t now_ms() const { return now_ms_; }
  // Timers have one rule: a timer never fires early. Every deadline is either a
  // stamp of now_ms() plus a duration (time since an arrival), or DeadlineAfter(ms)
  // (time from a call made at any point of a turn): the clock is read here, not
  // taken from the turn's start, and rounded up to the next millisecond.
  // timers().Arm(t, deadline) arms t for such a deadline; ArmTimer(t, ms) is
  // timers().Arm(t, DeadlineAfter(ms)).
  uint64_t DeadlineAfter(uint64_t delay_ms) const;
  TimerWheel& timers() { return timers_; }
  void ArmTimer(Timer* t, uint64_t delay_ms) { timers_.Arm(t, DeadlineAfter(delay_ms)); }

  // Opens a listening socket of its own (OpenListenSocket: SO_REUSEPORT only when
  // asked) and accepts on it with multishot accept. Returns 0 and sets *out (owned
  // by the loop; Listener::Close() to stop), or a negative errno.
  int Listen(const ListenOptions& options, AcceptHandler* handler, Listener** out);
  // Accepts on `listen_fd`, a listening socket opened elsewhere (OpenListenSocket),
  // typically one that several loops share (mode kOneAtATime: engine/listener.h).
  // The listener accepts on a descriptor of its own, a duplicate of listen_fd that
  // it closes: the caller keeps listen_fd, and may close it once every loop has its
  // listener. Returns 0 and sets *out, or a negative errno.
  int AcceptOn(int listen_fd, AcceptMode mode, AcceptHandler* handler, Listener** out);
  // Starts a connect to addr (from `local`, bound first, when given); OnConnect
  // follows. Returns 0 and sets *out, or a negative errno (then no callback runs).
  // The socket keeps the kernel's defaults (Nagle on): TCP_NODELAY is the caller's
  // to set on Connection::fd(), as the http client does.
  int Connect(const sockaddr* addr, socklen_t len, ConnectionHandler* handler,
              Connection** out, const sockaddr* local = nullptr, socklen_t local_len = 0);

  const LoopStats& stats() const { return stats_; }
  size_t live_connections() const;

  // Receive memory as the loop sees it now (loop thread; other threads read the
  // gauges in stats()).
  struct RecvMemory {
    uint32_t ring_buffers = 0;  // LoopOptions::buffer_count
    uint32_t ring_free = 0;     // published, or released and published this turn
    uint32_t ring_in_use = 0;   // referenced: being handled, or retained
    size_t overflow_bytes = 0;  // overflow blocks in use
    size_t overflow_cap = 0;
    size_t waiters = 0;         // connections waiting for receive memory
  };
  RecvMemory recv_memory() const;
  // Exceptions: no exception crosses the loop. One that escapes a callback the loop
  // runs (a handler's, a timer's, a posted, deferred or pressure function, a send's
  // on_done) is passed to the exception handler, and the loop goes on with the rest
  // of its phase; when it came from a connection's callback, that connection is
  // closed (OnClose gets -ECONNABORTED unless it was closing already). The default
  // handler writes the exception's what() to stderr. Loop thread.
  void set_exception_handler(std::function<void(std::exception_ptr)> fn);
  void ReportException(std::exception_ptr e);

  // Loop thread. fn runs in the buffers phase when connections wait for receive
  // memory and fewer than a quarter of the ring's buffers are free: whoever retains
  // buffers should copy out what must outlive them and release them. Kept as long
  // as the loop.
  void AddRecvPressureHandler(std::function<void()> fn);

  BufRing& buffers() { return *buffers_; }
  Ring& ring() { return *ring_; }

 private:
  friend class Connection;
  friend class Listener;
  Loop();
  int Init(const LoopOptions& options, SetupError* error);
  void OnCompletion(Op& op, const Completion& c) override;
  void ArmWake();

  void FlushSends();
  void SubmitAndWait();
  void Dispatch();
  void RunTimers();
  void RunDeferred();
  void RefillBuffers();
  void Reap();
  void UpdateClock();
  // Runs fn; what it throws goes to ReportException.
  void RunGuarded(const std::function<void()>& fn);

  // Lists the phases walk; each connection has a flag saying it is listed.
  void ListForFlush(Connection* c);
  void ListForReap(Connection* c);
  void ListForBuffers(Connection* c);
  void PrioritiseForBuffers(Connection* c);
  void UnlistForBuffers(Connection* c);
  // The oldest connection still waiting for receive memory (taken off the queue), or
  // null.
  Connection* NextWaiter();
  void ListForDelivery(Connection* c);
  // A connection about to be reaped leaves every list it is on.
  void Unlist(Connection* c);
  void ListListenerForReap(Listener* l);
  // Lingering connections (loop_linger.cc), closed at their deadline.
  void ListForLinger(Connection* c);
  void CloseExpiredLingerers();

  Connection* NewConnection(int fd, bool connecting);
  // Scratch for sendmsg headers, valid until the next submit returns (the kernel
  // copies them when it consumes the entries: IORING_FEAT_SUBMIT_STABLE).
  bool ReserveSendScratch(uint32_t iovcnt, msghdr** msg, iovec** iov);

  std::unique_ptr<Ring> ring_;
  std::unique_ptr<BufRing> buffers_;
  std::unique_ptr<ConnectionPool> pool_;
  TimerWheel timers_;
  uint64_t now_ms_ = 0;
  LoopStats stats_;
  std::atomic<bool> stop_{false};
  bool ready_ = false;  // Init() succeeded
  bool tearing_down_ = false;
  bool at_teardown_ran_ = false;  // later AtTeardown() calls run their fn at once

  std::vector<Connection*> flush_list_;
  std::vector<Connection*> flushing_;
  std::vector<Connection*> reap_list_;
  // Waiters for receive memory, oldest first; entries whose connection left the
  // queue (or was reused: another generation) are skipped.
  struct Waiter {
    Connection* c;
    uint32_t generation;
  };
  std::deque<Waiter> buffer_wait_;
  size_t buffer_waiters_ = 0;  // connections in the queue (without skipped entries)
  bool recv_stalled_ = false;   // the ring is dry and the overflow cap reached
  std::vector<std::function<void()>> pressure_handlers_;
  std::function<void(std::exception_ptr)> exception_handler_;
  // Lingering connections in the order they began, which is their deadlines' order
  // (one linger time for all), and the timer for the first: at most one entry per
  // connection that ended in the last linger_ms (entries of connections closed
  // sooner are skipped when reached).
  struct Lingerer {
    Connection* c;
    uint32_t generation;
    uint64_t deadline_ms;
  };
  uint64_t linger_ms_ = 0;
  std::deque<Lingerer> lingering_;
  Timer linger_timer_;
  std::vector<Connection*> delivery_list_;
  std::vector<Connection*> delivering_;
  std::vector<Listener*> listeners_;
  std::vector<Listener*> listener_reap_;

  std::vector<std::function<void()>> deferred_;
  std::vector<std::function<void()>> running_;
  std::vector<std::function<void()>> at_teardown_;
  // Loop::current(): the loops alive on this thread, a list in creation order whose
  // tail is the thread_local current loop.
  Loop* created_before_ = nullptr;
  Loop* created_after_ = nullptr;

  // Post(): other threads append under the mutex and write the eventfd once per
  // batch; the loop's pending read on the eventfd wakes it.
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  bool wake_pending_ = false;  // guarded by post_mu_
  std::atomic<bool> has_posted_{false};
  bool wake_closing_ = false;
  int wake_fd_ = -1;
  uint64_t wake_buf_ = 0;
  Op wake_op_;
  Op ignore_op_;

  std::unique_ptr<iovec[]> iov_scratch_;
  std::unique_ptr<msghdr[]> msg_scratch_;
  uint32_t iov_used_ = 0;
  uint32_t msg_used_ = 0;
};

}  // namespace engine

#endif  // ENGINE_LOOP_H_
