// ClientSocket: the client side of one TCP (or Unix) connection, as Node's net.Socket
// is to http.ClientRequest and http.Agent, and the response protocol on it.
//
// Life of a socket:
//   1. Made by an Agent (createConnection) or a request without one: the name is
//      resolved off the loop (numeric addresses as they are; RequestOptions::lookup
//      replaces the resolver), then the connect goes through the ring.
//   2. A request is attached (v12's tickOnSocket): its bytes are handed to the
//      engine as it writes them (queued until the connect completes), and the bytes
//      received go through a response Parser in place: the response's head is read
//      from the receive buffer it completes in, and moved out at the end of that
//      receive (the response outlives it: the buffer must not wait on the user).
//   3. When the response has ended and the request has sent everything, the socket
//      is free: on the next tick its Agent reuses it, pools it, or destroys it.
//   4. It closes: the peer left, an error, destroy(). The attached request sees the
//      close in v12's order (socketCloseListener); the Agent forgets the socket; the
//      socket emits 'close'; the loop frees it in a later deferred phase.
// Received bytes while no request is attached (a pooled socket) are not HTTP that
// anyone asked for: the socket is destroyed, so that a later request cannot read a
// stale answer.
//
// Lifetime and threads: owned by its loop's ClientLoop; a pointer from 'socket' (or
// req.socket()) is valid until the socket emits 'close'. Loop-thread only; no
// callback runs from inside a call into the socket.
#ifndef HTTP_CLIENT_SOCKET_H_
#define HTTP_CLIENT_SOCKET_H_

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/buffer.h"
#include "engine/connection.h"
#include "engine/resolver.h"
#include "engine/timer.h"
#include "http/client_options.h"
#include "http/errors.h"
#include "http/message_transport.h"
#include "http/next_tick.h"
#include "http/out_buffer.h"
#include "http/parser.h"
#include "http/socket.h"

namespace http {

class Agent;
class ClientLoop;
class ClientRequest;
class OutgoingMessage;

class ClientSocket final : public Socket,
                           public engine::ConnectionHandler,
                           public ParserEvents,
                           public MessageTransport {
 public:
  explicit ClientSocket(ClientLoop* loop);
  ~ClientSocket() override;

  // Starts connecting as `options` say (socketPath, or host/hostname, port, family,
  // localAddress, lookup). Failures are reported as the socket's error, later.
  void Connect(const RequestOptions& options);

  // Socket.
  bool write(std::string_view data) override;
  void end(std::string_view data) override;
  void destroy() override;
  Socket& setTimeout(uint64_t ms, std::function<void()> cb) override;
  Socket& pause() override;
  Socket& resume() override;
  void runAfter(uint64_t ms, std::function<void()> cb) override;

  // net.Socket's.
  bool connecting() const { return connecting_; }
  // v12's socket.writable: connecting or connected, and not ended or destroyed.
  bool writable() const { return !destroyed_ && !ended_; }
  void setNoDelay(bool noDelay = true);
  void setKeepAlive(bool enable = false, uint64_t initialDelay = 0);
  // Whether the socket keeps http::run() going (a pooled one does not).
  void ref();
  void unref();
  uint16_t localPort() const;
  int fd() const { return fd_; }  // -1 until connecting; for socket options
  uint64_t timeout() const { return idle_ms_; }
  // Node's socket.emit('agentRemove'): the socket leaves its Agent (it is no longer
  // counted or pooled; the request on it goes on).
  void agentRemove();
  // The server's `Keep-Alive: timeout=N` on the last response, in ms (0: none).
  uint64_t serverKeepAliveMs() const { return server_keep_alive_ms_; }

  // MessageTransport (http/message_transport.h).
  void NextTick(Tick& t) override;
  void CancelTick(Tick& t) override;
  void ReleaseTick(Tick& t) override { ticks_.Release(t); }
  bool SendMessageBytes(OutgoingMessage* m) override;
  void MessageEnded(OutgoingMessage* m) override;
  void CountWaitingBytes(int64_t delta) override { (void)delta; }
  bool TakeHeldBuffer() override;
  void GiveHeldBuffer() override;
  void CountCopied(size_t n) override;
  void HoldReceiving(bool stop) override;
  bool IsParserIncoming(const IncomingMessage* m) const override;
  void IncomingEnded(IncomingMessage* m) override;

 private:
  friend class Agent;
  friend class ClientLoop;
  friend class ClientRequest;
  // The iovecs of one send, and its return.
  struct Batch {
    engine::SendReq req;
    std::vector<iovec> iov;
    size_t bytes = 0;
    ClientSocket* owner = nullptr;
    OutgoingMessage* message = nullptr;  // null for raw writes
  };

  // engine::ConnectionHandler
  void OnConnect(engine::Connection& c, int err) override;
  void OnData(engine::Connection& c, const engine::RecvBuf& data) override;
  void OnEof(engine::Connection& c) override;
  void OnClose(engine::Connection& c, int err) override;
  // ParserEvents
  MessageHead* OnMessageBegin() override;
  void OnRetainInput() override;
  int OnHeadersComplete(MessageHead& head) override;
  void OnBody(std::string_view data) override;
  void OnMessageComplete(MessageHead& head) override;

  // The loop is going (ClientLoop's teardown): the connection closes without
  // reporting to this object, and the request on it hears nothing more.
  void Abandon();
  void StartConnect(const sockaddr* addr, socklen_t len);
  // The close, from the engine's OnClose or, for a socket that never connected, the
  // deferred phase after destroy().
  void Closed(int err);
  void NoteKeepAliveTimeout(const MessageHead& head);
  // An 'upgrade' or 'connect' listener takes the socket.
  void HandOver();
  void ConnectResolved(const std::string& address, int family);
  void Fail(const Error& err);
  // v12's tickOnSocket: req becomes the socket's message.
  void Attach(ClientRequest* req);
  // The request is done with the socket (v12's responseKeepAlive): 'free' on the
  // next tick.
  void Release();
  void FreeTick();
  void Detach();
  void Parse(std::string_view bytes, const engine::RecvBuf* input);
  void ReleaseInput();
  void Send(Batch* b);
  static void OnBatchSent(engine::SendReq* req, int err);
  Batch* NewBatch();
  void ArmIdleTimer();
  void OnIdleTimeout();
  void ScheduleTicks();
  void UpdateReceiving();
  Parser& parser();

  ClientLoop* loop_;
  engine::Connection* conn_ = nullptr;
  Agent* agent_ = nullptr;  // null once it left its agent (or never had one)
  std::string name_;        // the agent's name for it
  RequestOptions options_;  // as the agent made it (for getName, and new sockets)
  ClientRequest* req_ = nullptr;  // v12's _httpMessage
  std::unique_ptr<Parser> parser_;
  bool parser_lenient_ = false;
  const engine::RecvBuf* current_input_ = nullptr;
  bool response_done_ = false;  // v12's freeParser: the response was read
  TickQueue ticks_;
  std::vector<std::unique_ptr<Batch>> batches_;  // free ones
  OutBuf raw_out_;
  uint64_t raw_sent_ = 0;
  engine::Timer idle_timer_;
  uint64_t idle_ms_ = 0;
  std::vector<engine::Timer*> user_timers_;
  // True until the socket is destroyed: lookups, timers and ticks check it (a weak
  // reference also tells whether the object itself still exists).
  std::shared_ptr<bool> alive_;
  std::optional<Error> pending_error_;  // failed before any request attached
  engine::LookupToken lookup_;          // the name being resolved
  std::vector<Batch*> unsent_;          // sent before the connection existed
  std::string address_;                 // the peer's, for error messages
  uint16_t port_ = 0;
  uint64_t requests_served_ = 0;  // requests attached so far
  uint64_t server_keep_alive_ms_ = 0;
  uint16_t held_buffers_ = 0;
  uint16_t held_stops_ = 0;
  int close_err_ = 0;
  bool connecting_ = false;
  bool connected_ = false;
  bool ended_ = false;      // write side ended (end(), or the response said close)
  bool had_error_ = false;  // v12's _hadError
  bool refed_ = true;
  bool paused_by_user_ = false;
  bool free_pending_ = false;
  bool closed_ = false;
  bool need_drain_ = false;
  bool no_delay_ = true;  // TCP_NODELAY, as later Node's default (v12 left Nagle on)
  bool upgraded_ = false;
  bool req_keep_alive_ = false;  // the request's shouldKeepAlive, for the Agent's 'free'
  Tick free_tick_{this, [](void* s) { static_cast<ClientSocket*>(s)->FreeTick(); }};
};

}  // namespace http

#endif  // HTTP_CLIENT_SOCKET_H_
