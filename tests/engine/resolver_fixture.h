// Shared by the resolver's tests: a fake getaddrinfo() that holds workers at a gate,
// and a fixture with a loop, its mailbox, and a lookup that waits for its answer.
//
// The sandbox has no DNS, only /etc/hosts: real lookups use "localhost" and a name
// under the reserved .invalid domain. Lookups that must stay in a worker until the
// test lets them go (to close a mailbox under them, or to fill the pool) use the Gate.
#ifndef TESTS_ENGINE_RESOLVER_FIXTURE_H_
#define TESTS_ENGINE_RESOLVER_FIXTURE_H_

#include <gtest/gtest.h>
#include <netdb.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/loop.h"
#include "engine/mailbox.h"
#include "engine/resolver.h"
#include "tests/engine/test_util.h"

namespace engine {
namespace resolver_test {

// Waits (polling, for a condition another thread makes true) up to timeout_ms.
inline bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 5000) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline Address Ip(const char* text) {
  std::optional<Address> a = Resolver::ParseNumeric(text, 0);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(Address());
}

inline std::vector<std::string> Ips(const LookupResult& r) {
  std::vector<std::string> out;
  for (const Address& a : r.addresses) out.push_back(a.ip());
  return out;
}

// A fake getaddrinfo() that records each call and, while closed, holds the worker
// until Open().
class Gate {
 public:
  LookupResult Enter(const std::string& host, const addrinfo& hints) {
    std::unique_lock<std::mutex> lock(mu_);
    entered_.push_back(host);
    hints_.push_back(hints);
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    return answer_;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitEntered(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return entered_.size() >= n; });
  }
  std::vector<std::string> entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }
  std::vector<addrinfo> hints() {
    std::lock_guard<std::mutex> lock(mu_);
    return hints_;
  }
  void set_answer(LookupResult r) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(r);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  std::vector<std::string> entered_;
  std::vector<addrinfo> hints_;
  LookupResult answer_{0, 0, {Ip("10.0.0.1")}};
};

// Records where it was destroyed.
struct Tracer {
  ~Tracer() {
    destroyed_on = std::this_thread::get_id();
    destroyed = true;
  }
  std::atomic<bool> destroyed{false};
  std::thread::id destroyed_on;
};

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetupError err;
    loop_ = Loop::Create(LoopOptions{}, &err);
    ASSERT_NE(loop_, nullptr) << err.message;
    mb_ = Mailbox::Create(*loop_);
  }
  // Lets every held worker go and waits until the pool is empty, so that the next
  // test starts with nothing pending.
  void TearDown() override {
    gate_.Open();
    EXPECT_TRUE(WaitFor([] { return Resolver::pending() == 0; }));
    Resolver::SetResolveFunctionForTest(nullptr);
    Resolver::SetIdleMsForTest(Resolver::kIdleMs);
  }
  void UseGate() {
    Resolver::SetResolveFunctionForTest([this](const std::string& host, const addrinfo& hints) {
      return gate_.Enter(host, hints);
    });
  }
  // Looks host up and runs the loop until the answer arrives; checks that it came on
  // the loop's thread and not from inside Lookup().
  LookupResult LookupAndWait(const std::string& host, LookupOptions options = {},
                             uint16_t port = 80) {
    LookupResult out;
    bool done = false;
    bool on_loop_thread = false;
    const std::thread::id me = std::this_thread::get_id();
    Resolver::Lookup(mb_, host, port, options, [&](LookupResult r) {
      out = std::move(r);
      on_loop_thread = std::this_thread::get_id() == me;
      done = true;
    });
    EXPECT_FALSE(done) << "the callback ran inside Lookup()";
    EXPECT_TRUE(engine_test::RunUntil(
        *loop_, [&] { return done; }, 30000))
        << host;
    EXPECT_TRUE(on_loop_thread);
    return out;
  }

  std::unique_ptr<Loop> loop_;
  std::shared_ptr<Mailbox> mb_;
  Gate gate_;
};

}  // namespace resolver_test
}  // namespace engine

#endif  // TESTS_ENGINE_RESOLVER_FIXTURE_H_
