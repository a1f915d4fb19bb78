// Runtime: N loops on N threads, optionally pinned to CPUs.
//
// Each thread creates its own Loop, calls init(loop, index) on it (typically to
// Listen() on a shared port with SO_REUSEPORT), then runs it until Stop().
// Ownership: the Runtime owns its threads and, through them, their loops; a Loop*
// it hands out is valid from init until Join() returns.
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
  void Stop();  // any thread
  void Join();
  int size() const { return static_cast<int>(loops_.size()); }
  // Work done by every loop so far, loops that have ended included. Any thread.
  struct Totals {
    uint64_t enters = 0;    // io_uring_enter calls
    uint64_t sendmsgs = 0;  // sendmsg operations submitted
  };
  Totals totals();
  Loop* loop(int i) const { return loops_[i]; }

 private:
  std::vector<std::thread> threads_;
  std::vector<Loop*> loops_;
  std::mutex mu_;
  std::condition_variable cv_;
  int ready_ = 0;
  int failed_ = 0;
  Totals ended_;  // what loops that have ended did
  SetupError first_error_;
};

}  // namespace engine

#endif  // ENGINE_RUNTIME_H_
