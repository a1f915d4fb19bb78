// The per-loop pools of what a server connection needs only while it has a request:
// exchanges (a request and its response), send batches and parsers; and the loop's
// accounts of receive buffers kept past their receive: the exchanges retaining one
// (http/exchange.h, rule 2), and the budget of buffers held by paused request bodies.
// See http/server_connection.h for how a connection takes and gives them back.
//
// Internal to http/. Loop-thread only, except LoopPools::copied_bytes().
#ifndef HTTP_LOOP_POOLS_H_
#define HTTP_LOOP_POOLS_H_

#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/buffer.h"
#include "engine/connection.h"
#include "http/exchange.h"
#include "http/incoming_message.h"
#include "http/parser.h"
#include "http/server_response.h"

namespace http {

class Server;
class ServerConnection;

// The iovecs of one sendmsg handed to the engine; lent like an Exchange, back in the
// pool once the engine reports the send done.
struct SendBatch {
  engine::SendReq req;
  std::vector<iovec> iov;
  size_t bytes = 0;
  ServerConnection* owner = nullptr;
  OutgoingMessage* res = nullptr;  // null for raw socket writes
};

// The free exchanges, send batches and parsers of one loop of one server. Loop-thread
// only; owned by the server's per-loop state, which outlives its connections. At most
// kKeep of each are kept free; the rest are freed when returned.
class LoopPools {
 public:
  static constexpr size_t kKeep = 256;
  explicit LoopPools(Server* server) : server_(server) {}
  LoopPools(const LoopPools&) = delete;
  LoopPools& operator=(const LoopPools&) = delete;

  Server* server() const { return server_; }

  Exchange* TakeExchange();
  void Give(Exchange* ex);
  SendBatch* TakeBatch();
  void Give(SendBatch* b);
  // A parser at the start of a message, reporting to `events`.
  Parser* TakeParser(ParserEvents* events);
  void Give(Parser* p);
  // Bytes of requests copied out of receive buffers on this loop: by its parsers
  // (Parser::copied_bytes(), counted as each parser is given back) and by the
  // connections (AddCopied). Readable from any thread.
  uint64_t copied_bytes() const { return copied_bytes_.load(std::memory_order_relaxed); }
  void AddCopied(uint64_t n);

  // The exchanges retaining their receive buffer, oldest first (exchange.h, rule 2).
  void ListRetaining(Exchange* ex);
  void UnlistRetaining(Exchange* ex);
  // The ring runs low: every retaining exchange moves out of its buffer.
  void MoveOutRetaining();

  // Receive buffers that paused request bodies may keep on this loop: a quarter of
  // the ring (at least one), so that they can never hold it dry. Past the budget a
  // body chunk is copied instead (IncomingMessage).
  void SetRingBuffers(uint32_t count) { held_budget_ = count / 4 > 0 ? count / 4 : 1; }
  bool TakeHeldBuffer();
  void GiveHeldBuffer() { --held_buffers_; }
  size_t held_buffers() const { return held_buffers_; }

 private:
  Server* server_;
  std::atomic<uint64_t> copied_bytes_{0};
  Exchange* retaining_head_ = nullptr;
  Exchange* retaining_tail_ = nullptr;
  size_t held_buffers_ = 0;
  size_t held_budget_ = 1;
  std::vector<std::unique_ptr<Exchange>> exchanges_;
  std::vector<std::unique_ptr<SendBatch>> batches_;
  std::vector<std::unique_ptr<Parser>> parsers_;
};

}  // namespace http

#endif  // HTTP_LOOP_POOLS_H_
