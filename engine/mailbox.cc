#include "engine/mailbox.h"

#include <utility>

#include "engine/loop.h"

namespace engine {

std::shared_ptr<Mailbox> Mailbox::Create(Loop& loop) {
  std::shared_ptr<Mailbox> mb(new Mailbox(&loop));
  // Weak: a mailbox nobody holds any more needs no closing, and the loop's list
  // should not keep it alive.
  loop.AtTeardown([weak = std::weak_ptr<Mailbox>(mb)] {
    if (std::shared_ptr<Mailbox> m = weak.lock()) m->Close();
  });
  return mb;
}

// Lock order: mu_, then the loop's own post lock (inside Loop::Post). The loop never
// takes mu_, and no function runs under it, so the order cannot invert.
bool Mailbox::Post(std::function<void()> fn) {
  std::function<void()> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (loop_ != nullptr) {
      loop_->Post(std::move(fn));
      return true;
    }
    refused = std::move(fn);
  }
  return false;  // `refused` is destroyed here, after the unlock
}

void Mailbox::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_ = nullptr;
}

bool Mailbox::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loop_ == nullptr;
}

}  // namespace engine
