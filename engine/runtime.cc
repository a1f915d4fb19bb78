#include "engine/runtime.h"

#include <pthread.h>
#include <sched.h>

namespace engine {

Runtime::~Runtime() {
  Stop();
  Join();
}

int Runtime::Start(const RuntimeOptions& options, std::function<void(Loop&, int)> init,
                   SetupError* error) {
  int n = options.threads < 1 ? 1 : options.threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    loops_.assign(n, nullptr);
  }
  for (int i = 0; i < n; ++i) {
    threads_.emplace_back([this, i, options, init] {
      if (!options.cpus.empty()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(options.cpus[i % options.cpus.size()], &set);
        pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
      }
      SetupError err;
      std::unique_ptr<Loop> loop = Loop::Create(options.loop, &err);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!loop) {
          if (failed_++ == 0) first_error_ = err;
        } else {
          loops_[i] = loop.get();
        }
      }
      if (loop) init(*loop, i);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++ready_;
      }
      cv_.notify_all();
      if (!loop) return;
      loop->Run();
      {
        // From here on Stop(), Post() and loop() no longer reach this loop: it ended.
        std::lock_guard<std::mutex> lock(mu_);
        loops_[i] = nullptr;
        AddCounters(loop->stats(), &ended_);
      }
      loop.reset();  // on this thread, as the loop requires
    });
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return ready_ == n; });
  if (failed_ > 0) {
    if (error) *error = first_error_;
    int err = first_error_.err;
    lock.unlock();
    Stop();
    Join();
    return err;
  }
  return 0;
}

void Runtime::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  for (Loop* loop : loops_) {
    if (loop != nullptr) loop->Stop();
  }
}

// Each thread nulls its own entry before it destroys its loop, so every entry is
// null once the threads are joined; loops_ keeps its size for size().
void Runtime::Join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

bool Runtime::IsLoopThread() const {
  for (const std::thread& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) return true;
  }
  return false;
}

int Runtime::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(loops_.size());
}

Loop* Runtime::loop(int i) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (i < 0 || i >= static_cast<int>(loops_.size())) return nullptr;
  return loops_[i];
}

bool Runtime::Post(int i, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (i < 0 || i >= static_cast<int>(loops_.size()) || loops_[i] == nullptr) return false;
  loops_[i]->Post(std::move(fn));
  return true;
}

void Runtime::AddCounters(const LoopStats& s, Totals* t) {
  t->enters += s.enters;
  t->sendmsgs += s.sendmsgs;
  t->enobufs += s.enobufs;
  t->own_recvs += s.own_recvs;
  t->recv_pressure += s.recv_pressure;
}

Runtime::Totals Runtime::totals() {
  std::lock_guard<std::mutex> lock(mu_);
  Totals t = ended_;
  for (Loop* loop : loops_) {
    if (loop == nullptr) continue;
    const LoopStats& s = loop->stats();
    AddCounters(s, &t);
    t.ring_in_use += s.ring_in_use;
    t.overflow_bytes += s.overflow_bytes;
    t.recv_waiters += s.recv_waiters;
  }
  return t;
}

}  // namespace engine
