// ClientLoop: what the HTTP client keeps for one engine loop: the loop's sockets, its
// global Agent, its process.nextTick queue, the way back from the name resolver, and
// the count of what keeps http::run() running (Node's ref'd handles).
//
// One per engine::Loop, made on first use by a client call on that loop's thread (a
// loop of http::run(), or a server's loop: a listener that makes requests), and
// destroyed as its loop begins its teardown (engine::Loop::AtTeardown). The teardown
// closes every socket it still has; their requests get no more events (the loop is
// going: nothing could run them).
//
// Internal to http/. Loop-thread only.
#ifndef HTTP_CLIENT_LOOP_H_
#define HTTP_CLIENT_LOOP_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/loop.h"
#include "engine/mailbox.h"
#include "engine/timer.h"
#include "http/next_tick.h"

namespace http {

class Agent;
class ClientRequest;
class ClientSocket;

class ClientLoop {
 public:
  // The calling thread's loop's (made on first use). Throws ERR_HTTP_NO_LOOP when
  // the thread runs no loop: the client is used from http::run() or from a listener
  // of a server.
  static ClientLoop& Current();
  // Null when the thread runs no loop or no client call was made on it yet.
  static ClientLoop* Existing();

  explicit ClientLoop(engine::Loop& loop);
  ~ClientLoop();
  ClientLoop(const ClientLoop&) = delete;
  ClientLoop& operator=(const ClientLoop&) = delete;

  engine::Loop& loop() const { return loop_; }
  // Unique in the process (an address may be reused by a later loop's).
  uint64_t id() const { return id_; }
  // Node's http.globalAgent, one per loop (made on first use).
  const std::shared_ptr<Agent>& globalAgent();
  // For results computed on other threads (the resolver); closed at teardown.
  const std::shared_ptr<engine::Mailbox>& mailbox() const { return mailbox_; }

  // The loop's nextTick queue, for what belongs to no socket (a request waiting for
  // one); a socket's messages use the socket's own queue.
  void NextTick(Tick& t);
  void CancelTick(Tick& t);
  bool ticks_pending() const { return !ticks_.empty(); }

  // Node's ref'd handles: requests in flight, sockets in use, lookups, timers. While
  // any is counted, http::run() goes on.
  void Ref() { ++refs_; }
  void Unref() { --refs_; }
  size_t refs() const { return refs_; }

  // Requests in flight (made and not yet done), so that a teardown can let go of them.
  void Track(ClientRequest* r);
  void Untrack(ClientRequest* r);

  // Sockets: the loop owns them; a closed one is freed in a later deferred phase
  // (never under a listener of its own).
  ClientSocket* NewSocket();
  void SocketClosed(ClientSocket* s);

  // Receive buffers that paused response bodies on this loop may keep: a quarter of
  // the ring (as the server's LoopPools), past which a chunk is copied.
  bool TakeHeldBuffer();
  void GiveHeldBuffer() { --held_buffers_; }
  void CountCopied(size_t n) { copied_bytes_ += n; }
  uint64_t copied_bytes() const { return copied_bytes_; }

  // Node's global setTimeout, for client code on this loop (ref'd while armed).
  void SetTimeout(std::function<void()> cb, uint64_t ms);
  // Node's setImmediate (http/client.h).
  void SetImmediate(std::function<void()> cb);

 private:
  struct UserTimer {
    engine::Timer timer;
    std::function<void()> cb;
  };
  void ScheduleTicks();
  void FreeClosedSockets();

  engine::Loop& loop_;
  const uint64_t id_;
  std::shared_ptr<engine::Mailbox> mailbox_;
  std::shared_ptr<Agent> global_agent_;
  TickQueue ticks_;
  size_t refs_ = 0;
  ClientRequest* requests_ = nullptr;  // in flight (ClientRequest::loop_next_)
  std::vector<std::unique_ptr<ClientSocket>> sockets_;
  std::vector<ClientSocket*> closed_;
  bool freeing_scheduled_ = false;
  std::vector<std::unique_ptr<UserTimer>> timers_;
  size_t held_buffers_ = 0;
  size_t held_budget_ = 1;
  uint64_t copied_bytes_ = 0;
  bool tearing_down_ = false;
  // Deferred functions check it: the loop runs a few more turns after this object
  // has gone (its teardown), and they must not touch it then.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace http

#endif  // HTTP_CLIENT_LOOP_H_
