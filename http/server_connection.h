// ServerConnection: HTTP/1.1 server protocol state for one engine connection.
//
// Life of a request on a connection:
//   1. Received bytes go through the Parser in place (http/parser.h). A message that
//      has views into a receive buffer retains it (Exchange::bufs).
//   2. At the end of its head, an Exchange (IncomingMessage + ServerResponse, pooled
//      per connection) joins the queue and 'request' is emitted.
//   3. Responses are sent in request order: only the first in the queue is active;
//      later ones buffer their bytes until it finishes. Every response that has bytes
//      in a loop turn hands them to the engine, which sends the whole turn's worth in
//      one sendmsg.
//   4. When a response has been sent and its request fully read, the exchange goes
//      back to the pool; a response marked last ends the connection.
// Backpressure: while more than kMaxQueued requests wait for their responses, or the
// bytes queued for a peer that does not read pass kMaxQueuedBytes, receiving pauses.
//
// Internal to http/. Loop-thread only.
#ifndef HTTP_SERVER_CONNECTION_H_
#define HTTP_SERVER_CONNECTION_H_

#include <deque>
#include <memory>
#include <vector>

#include "engine/connection.h"
#include "engine/timer.h"
#include "http/incoming_message.h"
#include "http/parser.h"
#include "http/server_response.h"
#include "http/socket.h"

namespace http {

class Server;

class ServerConnection final : public Socket,
                               public engine::ConnectionHandler,
                               public ParserEvents {
 public:
  static constexpr size_t kMaxQueued = 64;
  static constexpr size_t kMaxQueuedBytes = 1 << 20;

  ServerConnection(Server* server, engine::Connection* conn, int loop_index);
  ~ServerConnection() override;

  // Socket.
  bool write(std::string_view data) override;
  void end(std::string_view data) override;
  void destroy() override;
  Socket& setTimeout(uint64_t ms, std::function<void()> cb) override;
  Socket& pause() override;
  Socket& resume() override;
  void runAfter(uint64_t ms, std::function<void()> cb) override;

  // For ServerResponse.
  void SendResponseBytes(ServerResponse* res);
  // The response ended and its bytes were handed over: the next one may send.
  void ResponseEnded(ServerResponse* res);
  // The response's bytes were all sent ('finish' was emitted).
  void ResponseFinished(ServerResponse* res);
  void PauseRequest(IncomingMessage* req, bool pause);
  uint64_t copied_bytes() const { return parser_.copied_bytes(); }

 private:
  struct Exchange {
    std::unique_ptr<IncomingMessage> req;
    std::unique_ptr<ServerResponse> res;
    MessageHead head;
    std::vector<engine::BufRef> bufs;
    bool request_done = false;
    bool response_done = false;
  };
  // A runAfter() timer; kept for reuse once fired (never freed while it runs).
  struct UserTimer {
    engine::Timer timer;
    std::function<void()> cb;
    bool running = false;
  };
  struct SendBatch {
    engine::SendReq req;
    std::vector<iovec> iov;
    size_t bytes = 0;
    ServerConnection* owner = nullptr;
    ServerResponse* res = nullptr;  // null for raw socket writes
  };

  // engine::ConnectionHandler
  void OnData(engine::Connection& c, const engine::RecvBuf& data) override;
  void OnEof(engine::Connection& c) override;
  void OnClose(engine::Connection& c, int err) override;
  // ParserEvents
  MessageHead* OnMessageBegin() override;
  void OnRetainInput() override;
  int OnHeadersComplete(MessageHead& head) override;
  void OnBody(std::string_view data) override;
  void OnMessageComplete(MessageHead& head) override;

  void Parse(std::string_view data);
  void OnParseError(const ParseResult& r, std::string_view data);
  void HandleExpect(Exchange* ex, std::string_view expect);
  Exchange* NewExchange();
  void Recycle(Exchange* ex);
  void MaybeRecycleFront();
  void Send(SendBatch* batch);
  static void OnBatchSent(engine::SendReq* req, int err);
  SendBatch* NewBatch();
  void ArmIdleTimer(uint64_t ms);
  void UpdateBackpressure();
  void CheckHeadersTimeout();

  Server* server_;
  engine::Connection* conn_;
  int loop_index_;
  Parser parser_;
  const engine::RecvBuf* current_input_ = nullptr;
  Exchange* parsing_ = nullptr;       // the exchange whose message is being parsed
  std::deque<Exchange*> queue_;       // in request order
  std::vector<std::unique_ptr<Exchange>> exchanges_;
  std::vector<Exchange*> free_exchanges_;
  std::vector<std::unique_ptr<SendBatch>> batches_;
  std::vector<SendBatch*> free_batches_;
  OutBuf raw_out_;                    // bytes of raw socket writes
  engine::Timer idle_timer_;
  uint64_t idle_ms_ = 0;
  uint64_t head_started_ms_ = 0;      // when the head being parsed began (0: none)
  std::vector<std::unique_ptr<UserTimer>> user_timers_;
  bool keep_alive_wait_ = false;      // idle between requests
  bool close_when_idle_ = false;
  bool upgraded_ = false;             // the socket belongs to a connect/upgrade listener
  bool ignore_input_ = false;         // after an Upgrade served as a request (v12)
  bool wrote_anything_ = false;
  bool paused_by_request_ = false;
  bool paused_by_backpressure_ = false;
  bool closed_ = false;
};

}  // namespace http

#endif  // HTTP_SERVER_CONNECTION_H_
