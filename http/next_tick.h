// TickQueue: Node's process.nextTick queue, for the requests and responses of one
// connection, so that their events come in v12's order ('finish', the end()
// callback, the request's 'end' and 'close', the response's 'close').
//
// How it stands in for Node's:
//   1. A Tick is one deferred call, embedded in the object it belongs to (an
//      IncomingMessage has one per kind of tick it can have pending), so queueing
//      allocates nothing. A queued tick is queued once: pushing it again does nothing.
//   2. Ticks run in the order they were pushed, each after the callback that pushed
//      it has returned (never from inside Push()); ticks pushed while the queue runs
//      run in the same pass, as Node drains its queue.
//   3. A held tick stops the queue until it is released: a response's 'finish'. In
//      v12 that tick (the socket write's callback) is queued when the last bytes are
//      written, which completes at once for a response that fits the socket's buffer;
//      here the bytes leave in the loop's next turn. Holding the queue keeps every
//      tick queued after it behind it, as in v12. Release() runs the queue at once.
//   4. When the queue's front can run and no run is under way or scheduled, Push()
//      or Remove() returns true: the owner must then arrange for RunScheduled() to
//      be called later (ServerConnection uses the loop's deferred phase).
//
// Threads: none of its own; the connection's loop thread only.
#ifndef HTTP_NEXT_TICK_H_
#define HTTP_NEXT_TICK_H_

namespace http {

struct Tick {
  using Fn = void (*)(void* owner);
  Tick(void* owner_in, Fn run_in) : owner(owner_in), run(run_in) {}
  Tick(const Tick&) = delete;
  Tick& operator=(const Tick&) = delete;

  void* owner;
  Fn run;
  Tick* next = nullptr;
  bool queued = false;
  bool held = false;  // set before Push(); cleared by Release()
};

class TickQueue {
 public:
  TickQueue() = default;
  TickQueue(const TickQueue&) = delete;
  TickQueue& operator=(const TickQueue&) = delete;

  // Appends t (with its `held` flag as set) unless it is already queued. True: the
  // owner must schedule RunScheduled().
  [[nodiscard]] bool Push(Tick& t);
  // Takes t out of the queue without running it (its owner is being reused). True:
  // as Push().
  [[nodiscard]] bool Remove(Tick& t);
  // Clears t's hold; if t is at the front, runs the queue now.
  void Release(Tick& t);
  // The owner's scheduled call: runs the queue up to the first held tick.
  void RunScheduled();
  // Releases every held tick and runs the queue to its end (the connection closed).
  void RunAll();
  bool empty() const { return head_ == nullptr; }

 private:
  void Run();
  bool Wake();

  Tick* head_ = nullptr;
  Tick* tail_ = nullptr;
  bool scheduled_ = false;
  bool running_ = false;
};

}  // namespace http

#endif  // HTTP_NEXT_TICK_H_
