// Runtime: N loops on N threads, optionally pinned to CPUs.
//
// Each thread creates its own Loop, calls init(loop, index) on it (typically to
// accept on a listening socket the loops share: Loop::AcceptOn), then runs it until
// Stop().
// Lifetime: the Runtime owns its threads; each thread owns its loop, and destroys it
// as soon as its Run() returns (a Loop is torn down on the thread that created it:
// its ring is single-issuer), not at Join(). A loop has "ended" from the moment its
// Run() returns; Join() waits until every thread has destroyed its loop.
// Threads: a Loop& or Loop* is only for the loop's own thread (init, and functions
// run on it). Other threads reach loop i through Post(i, fn), which fails once that
// loop has ended, and never hold a pointer to it.
#ifndef ENGINE_RUNTIME_H_
#define ENGINE_RUNTIME_H_

#include <functional>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <thread>
#include <vector>

#include "engine/loop.h"

namespace engine {

struct RuntimeOptions {
  int threads = 1;
  std::vector<int> cpus;  // thread i is pinned to cpus[i % size]; empty: not pinned
  LoopOptions loop;
};

class Runtime {
 public:
  Runtime() = default;
  ~Runtime();  // Stop() and Join()
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Starts the threads and waits until every loop was set up and init ran. Returns 0,
  // or the first setup failure (then every thread started is stopped and joined).
  // init runs on each loop's own thread.
  int Start(const RuntimeOptions& options, std::function<void(Loop&, int)> init,
            SetupError* error);
  // Any thread: every loop's Run() returns after its current turn (Loop::Stop()).
  void Stop();
  // Waits for every thread: once it returns, every loop has ended and been destroyed.
  // Not from a loop thread.
  void Join();
  // Whether the calling thread is one of this runtime's loop threads. Any thread,
  // but not while Start() or Join() runs on another.
  bool IsLoopThread() const;
  // The number of loops Start() was asked for. Any thread.
  int size() const;
  // Any thread: queues fn to run on loop i's thread (Loop::Post) and returns true, or
  // returns false, dropping fn, when there is no such loop or it has ended (it was
  // Stop()ped and its Run() returned, or it failed to start). The check and the queueing
  // happen under the runtime's lock, which the loop's thread takes before it destroys
  // the loop. A function queued just before its loop ends is destroyed with it, on
  // that thread, without running.
  bool Post(int i, std::function<void()> fn);
  // Work done by every loop so far, loops that have ended included. Any thread.
  struct Totals {
    uint64_t enters = 0;    // io_uring_enter calls
    uint64_t sendmsgs = 0;  // sendmsg operations submitted
    // Receive pressure (LoopStats): receives that found the ring empty, receives into
    // overflow memory, buffers phases that called the pressure handlers.
    uint64_t enobufs = 0;
    uint64_t own_recvs = 0;
    uint64_t recv_pressure = 0;
    // Now, over the loops that run: ring buffers still referenced after their
    // receive, overflow bytes in use, connections waiting for receive memory.
    uint64_t ring_in_use = 0;
    uint64_t overflow_bytes = 0;
    uint64_t recv_waiters = 0;
  };
  Totals totals();
  // Loop i while it runs, null once it has ended (or for an index out of range). Read
  // under the lock, but the pointer may be used only on loop i's own thread: from any
  // other, the loop may end (and go) at any moment; use Post().
  Loop* loop(int i) const;

 private:
  std::vector<std::thread> threads_;
  std::vector<Loop*> loops_;  // guarded by mu_; an entry is null once its loop ended
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int ready_ = 0;
  int failed_ = 0;
  static void AddCounters(const LoopStats& s, Totals* t);
  Totals ended_;  // what loops that have ended did
  SetupError first_error_;
};

}  // namespace engine

#endif  // ENGINE_RUNTIME_H_
