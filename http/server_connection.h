// ServerConnection: HTTP/1.1 server protocol state for one engine connection.
//
// Life of a request on a connection:
//   1. Received bytes go through the Parser in place (http/parser.h). A head that
//      completes in a receive buffer is read there; at the end of every receive, an
//      exchange that must outlive it moves its bytes out, so that no receive buffer
//      waits on a peer or a handler (http/exchange.h has the rule).
//   2. At the end of its head, an Exchange (IncomingMessage + ServerResponse, pooled
//      per connection) joins the queue and 'request' is emitted.
//   3. Responses are sent in request order: only the first in the queue is active;
//      later ones buffer their bytes until it finishes. Every response that has bytes
//      in a loop turn hands them to the engine, which sends the whole turn's worth in
//      one sendmsg.
//   4. When a response has been sent and its request fully read, and both have
//      emitted their last events (which v12 emits on later ticks: http/next_tick.h),
//      the exchange goes back to the loop's pool; a response marked last ends the
//      connection.
// Memory: what a connection needs only while it has a request (the parser, exchanges,
// send batches) is lent by its loop's LoopPools and given back when the connection
// goes idle between requests, so an idle keep-alive connection holds this object and
// the engine's Connection, nothing else (no receive buffer either).
// Backpressure: receiving pauses from the head of the request that makes kMaxLive
// exchanges live (and the parse stops at its end: the rest of its receive waits in
// the engine, Connection::Unread), which also bounds the requests waiting for their
// responses (each queued one is live); while the responses
// waiting behind the first buffer 16 KiB or more (v12's outgoingData against the
// socket's high-water mark; checked as each new head arrives, as v12 does); or while
// the bytes queued for a peer that does not read pass kMaxQueuedBytes. And the
// exchanges that retain receive buffers move out of them.
//
// Where each part is:
//   server_connection.cc         receiving, the parser's events, the close;
//   server_connection_queue.cc   the pipelining queue, sends, backpressure, ticks;
//   server_connection_errors.cc  parse errors, and the last request of a connection;
//   server_connection_timers.cc  the socket's timeout, the request's deadlines,
//                                keep-alive waits, runAfter();
//   server_connection_socket.cc  the Socket surface (raw writes, pause, resume).
//
// Internal to http/. Loop-thread only.
#ifndef HTTP_SERVER_CONNECTION_H_
#define HTTP_SERVER_CONNECTION_H_

#include <memory>
#include <vector>

#include "engine/connection.h"
#include "engine/timer.h"
#include "http/incoming_message.h"
#include "http/loop_pools.h"
#include "http/next_tick.h"
#include "http/parser.h"
#include "http/server_response.h"
#include "http/socket.h"
#include "http/uncaught.h"

namespace http {

class Server;

class ServerConnection final : public Socket,
                               public engine::ConnectionHandler,
                               public ParserEvents,
                               public MessageTransport {
 public:
  // Requests taken and not yet given back (waiting for their response, or for its
  // bytes to leave): at kMaxLive, nothing more is parsed or received until half of
  // them have gone. This bounds what a peer that pipelines and never reads costs.
  static constexpr size_t kMaxLive = 32;
  static constexpr size_t kMaxQueuedBytes = 1 << 20;

  // pools: those of the server's loop that accepted `conn` (and so the server);
  // loop_index: that loop, or -1 for a connection the server did not accept (a fuzz
  // target's, on a loop the target runs itself).
  ServerConnection(LoopPools* pools, engine::Connection* conn, int loop_index);
  ~ServerConnection() override;

  // Socket.
  bool write(std::string_view data) override;
  void end(std::string_view data) override;
  void destroy() override;
  Socket& setTimeout(uint64_t ms, std::function<void()> cb) override;
  Socket& pause() override;
  Socket& resume() override;
  void runAfter(uint64_t ms, std::function<void()> cb) override;

  // MessageTransport (http/message_transport.h). Responses: one sendmsg per
  // connection per loop turn carries every response's bytes; the next response in
  // the queue becomes active when one ends. Requests' held body chunks: a receive
  // buffer within this connection's budget (IncomingMessage::kMaxHeldBuffers) and its
  // loop's (LoopPools). The tick queue runs in the loop's deferred phase.
  void NextTick(Tick& t) override;
  void CancelTick(Tick& t) override;
  void ReleaseTick(Tick& t) override { ticks_.Release(t); }
  bool SendMessageBytes(OutgoingMessage* res) override;
  void MessageEnded(OutgoingMessage* res) override;
  void CountWaitingBytes(int64_t delta) override;
  bool TakeHeldBuffer() override;
  void GiveHeldBuffer() override;
  void CountCopied(size_t n) override { pools_->AddCopied(n); }
  void HoldReceiving(bool stop) override;
  bool IsParserIncoming(const IncomingMessage* req) const override;

  // For ServerResponse: the response emitted 'close' after 'finish', and its request
  // 'end' and 'close'.
  void ResponseFinished(ServerResponse* res);
  // Server::closeIdleConnections(): closes the connection if it is between requests
  // (or has not sent one yet).
  void CloseIfIdle();
  // Server::shutdown() began on this loop: a request already read whose response has
  // not begun becomes the connection's last (a request still arriving becomes so at
  // its head, or, past it, at its end).
  void StartShutdown();

 private:
  // A runAfter() timer; kept for reuse once fired (never freed while it runs).
  struct UserTimer {
    engine::Timer timer;
    std::function<void()> cb;
    bool running = false;
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
  void ReadLastRequest();

  void Parse(std::string_view data);
  // The end of a receive: exchanges that must outlive it leave its buffer.
  void ReleaseInput();
  // The same, in the loop's deferred phase (outside any listener).
  [[gnu::noinline, gnu::cold]] void ReleaseInputLater();
  void MoveOutOfReceiveBuffer(Exchange* ex);
  // `message` is err.message, "Parse Error: " + reason unless given.
  void OnParseError(const ParseResult& r, std::string_view data, const char* message = nullptr);
  void HandleExpect(Exchange* ex, bool expect_continue);
  Exchange* NewExchange();
  void Recycle(Exchange* ex);
  void MaybeGoIdle();
  // Between requests: the keep-alive timeout runs, unless receiving stopped on
  // backpressure (requests may wait unread: UpdateBackpressure enters it later);
  // once shutdown()'s grace is over, the connection ends instead.
  void EnterKeepAliveWait();
  // The same for a connection found idle after the fact (nothing queued, parsed or
  // held, and not waiting already): after a pause on backpressure, or a receive that
  // held no message.
  void MaybeEnterKeepAliveWait();
  Parser& parser();
  void PushQueue(Exchange* ex);
  Exchange* PopQueue();
  void Send(SendBatch* batch);
  static void OnBatchSent(engine::SendReq* req, int err);
  SendBatch* NewBatch();
  // The connection timer (server_connection_timers.cc).
  void ArmTimerBy(uint64_t deadline);
  void SetIdleTimeout(uint64_t ms);  // and arms it
  void ArmIdleTimer(uint64_t ms);
  uint64_t RequestDeadline() const;
  void ArmRequestTimer();
  void OnTimer();
  void OnIdleTimeout();
  void OnRequestTimeout();
  void UpdateBackpressure();
  void UpdateReceiving();
  void EndOutput();
  void ScheduleTicks();
  // Where the engine would not close the connection itself (timers, ticks), a
  // listener that throws is reported and its socket destroyed (http/uncaught.h).
  template <typename Fn>
  void Guarded(Fn&& fn) {
    if (!RunReportingExceptions(fn)) destroy();
  }

  Server* server() const { return pools_->server(); }

  LoopPools* pools_;
  engine::Connection* conn_;
  int16_t loop_index_;  // (a server runs far fewer loops)
  // (16 bits each: receiving pauses long before either could overflow.)
  uint16_t queued_ = 0;               // exchanges in the queue
  uint16_t live_count_ = 0;           // exchanges in live_
  uint16_t held_stops_ = 0;           // requests holding too much body (HoldReceiving)
  Parser* parser_ = nullptr;          // lent by pools_ while a message may be parsed
  const engine::RecvBuf* current_input_ = nullptr;
  Exchange* parsing_ = nullptr;       // the exchange whose message is being parsed
  Exchange* queue_head_ = nullptr;    // responses in request order (Exchange::next)
  Exchange* queue_tail_ = nullptr;
  Exchange* live_ = nullptr;          // every exchange taken and not yet given back
  TickQueue ticks_;
  // What few connections use, made on first use: it keeps an idle connection small.
  struct Extras {
    OutBuf raw_out;                   // bytes of raw socket writes not yet sent
    uint64_t raw_sent = 0;            // bytes of raw_out's stream sent
    size_t waiting_bytes = 0;         // buffered by responses behind the first
    std::vector<std::unique_ptr<UserTimer>> user_timers;
  };
  Extras& extras();
  std::unique_ptr<Extras> extras_;
  // The socket's idle timeout and the request's deadlines share this timer, armed no
  // later than the earliest of them (see server_connection_timers.cc).
  engine::Timer idle_timer_;
  // Loop time at which the socket times out (0: never, or it fired).
  uint64_t idle_deadline_ = 0;
  uint32_t idle_ms_ = 0;      // at most Socket::kTimeoutMax
  // The low 32 bits of the loop time when the connection was accepted: its first
  // request's deadlines run from then (as later Node's do), and are at most
  // kTimeoutMax ms away, so the time elapsed since fits in 32 bits.
  uint32_t accepted_ms_ = 0;
  uint16_t held_buffers_ = 0;  // receive buffers held by its requests' bodies
  // Flags as bit-fields: they keep this object within 256 bytes, a size class of the
  // allocator (an idle keep-alive connection costs this object and the engine's).
  bool keep_alive_wait_ : 1 = false;      // idle between requests
  bool output_ended_ : 1 = false;         // ended as v12 ends the socket: no more bytes
  bool upgraded_ : 1 = false;             // the socket belongs to a connect/upgrade listener
  // Nothing more is parsed: after a parse error, a request timeout, an Upgrade served
  // as a request (v12), or, in the default mode, a request that closes the connection
  // (last_request_read_: the output then ends once the queued responses have).
  bool ignore_input_ : 1 = false;
  bool last_request_read_ : 1 = false;
  bool wrote_anything_ : 1 = false;
  bool paused_by_user_ : 1 = false;       // Socket::pause()
  bool paused_by_backpressure_ : 1 = false;
  bool closed_ : 1 = false;
  bool began_ : 1 = false;                // a message has begun on this connection
  bool need_drain_ : 1 = false;           // a raw write() returned false: 'drain' is owed
  // Server::shutdown() made the message being parsed the connection's last (in the
  // lenient mode too, where its Connection: close would not end the parse).
  bool last_for_shutdown_ : 1 = false;
};

}  // namespace http

#endif  // HTTP_SERVER_CONNECTION_H_
