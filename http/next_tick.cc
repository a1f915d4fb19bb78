#include "http/next_tick.h"

namespace http {

// Invariant: whenever the front tick can run, a run is scheduled or under way.

bool TickQueue::Push(Tick& t) {
  if (t.queued) return false;
  t.queued = true;
  t.next = nullptr;
  bool was_empty = head_ == nullptr;
  if (was_empty) {
    head_ = &t;
  } else {
    tail_->next = &t;
  }
  tail_ = &t;
  return was_empty && !t.held && Wake();
}

void TickQueue::Release(Tick& t) {
  t.held = false;
  if (head_ == &t) Run();
}

bool TickQueue::Remove(Tick& t) {
  if (!t.queued) return false;
  Tick** link = &head_;
  Tick* prev = nullptr;
  while (*link != &t) {
    prev = *link;
    link = &(*link)->next;
  }
  *link = t.next;
  if (tail_ == &t) tail_ = prev;
  t.next = nullptr;
  t.queued = false;
  return prev == nullptr && head_ != nullptr && !head_->held && Wake();
}

void TickQueue::RunScheduled() {
  scheduled_ = false;
  Run();
}

void TickQueue::RunAll() {
  for (Tick* t = head_; t != nullptr; t = t->next) t->held = false;
  Run();
}

bool TickQueue::Wake() {
  if (scheduled_ || running_) return false;
  scheduled_ = true;
  return true;
}

// A tick is unlinked before it runs and not touched after: running it may reuse
// (or free) the object it is embedded in.
// A tick that throws (a listener did) leaves the queue consistent: it was unlinked
// first, and the run ends; the exception goes to the caller, and the ticks after it
// run at the next run (the connection's close runs them all).
void TickQueue::Run() {
  if (running_) return;
  running_ = true;
  struct Done {
    bool& running;
    ~Done() { running = false; }
  } done{running_};
  while (head_ != nullptr && !head_->held) {
    Tick* t = head_;
    head_ = t->next;
    if (head_ == nullptr) tail_ = nullptr;
    t->next = nullptr;
    t->queued = false;
    t->run(t->owner);
  }
}

}  // namespace http
