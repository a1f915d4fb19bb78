// Mailbox: a way for any thread to hand a function to a loop that may end at any
// moment.
//
// Loop::Post() needs the loop alive for the whole call, which a thread that does
// blocking work for the loop (a name lookup) cannot know. A Mailbox stands between
// them: it is shared (std::shared_ptr) by the loop's side and the workers, so it
// outlives both, and it forwards posts to the loop until Close(). After Close(),
// Post() refuses.
//
// Lifecycle:
//   1. Create() on the loop's thread. It registers Close() with Loop::AtTeardown(),
//      so the loop closes it at the start of its destructor even if its owner
//      forgets; the owner may Close() earlier.
//   2. Any thread Post()s; each accepted function runs on the loop's thread in a
//      later deferred phase (Loop::Post: functions posted from one thread run in the
//      order posted).
//   3. Close() on the loop's thread. A Post() running in another thread at that
//      moment finishes first (both hold the mailbox's mutex); every later Post()
//      returns false. Functions accepted before Close() still run in the loop's
//      deferred phases if it turns again, or are destroyed unrun on the loop's thread
//      by its destructor.
//
// Bound: the mailbox queues nothing itself; accepted functions wait in the loop's
// Post() queue, which has no cap of its own: whoever posts bounds how much (the
// resolver: its pending-lookup bound, resolver.h). One mailbox per loop and user is
// enough; each Create() adds one entry to the loop's AtTeardown() list, kept until the
// loop ends, so do not create one per request.
#ifndef ENGINE_MAILBOX_H_
#define ENGINE_MAILBOX_H_

#include <functional>
#include <memory>
#include <mutex>

namespace engine {

class Loop;

class Mailbox {
 public:
  // The loop's thread, while the loop is alive; the mailbox may outlive it.
  static std::shared_ptr<Mailbox> Create(Loop& loop);

  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // Any thread. Hands fn to the loop (it runs there, never synchronously from
  // Post(), even on the loop's thread) and returns true; or, once Close() was called,
  // returns false and destroys fn before returning, on the calling thread, with no
  // lock held (fn's destructor may Post() again, here or elsewhere).
  bool Post(std::function<void()> fn);

  // Loop thread. Idempotent. After it returns, no Post() reaches the loop.
  void Close();

  // Any thread; true once Close() was called (a Post() may still be refused a moment
  // after this reads false).
  bool closed() const;

 private:
  explicit Mailbox(Loop* loop) : loop_(loop) {}

  mutable std::mutex mu_;
  // Null once closed; guarded by mu_, which Post() holds across Loop::Post(), so that
  // Close() waits for a post in progress and the loop cannot go in the middle of one.
  Loop* loop_;
};

}  // namespace engine

#endif  // ENGINE_MAILBOX_H_
