// ClientRequest: Node v12's http.ClientRequest, an OutgoingMessage (the message layer
// it shares with ServerResponse: http/outgoing_message.h) whose response is an
// IncomingMessage. Public names follow Node's spelling; see docs/API.md. Made by
// http::request() and http::get() (http/client.h).
//
// Life of a request, as v12 runs it:
//   1. Made: the head is kept (sent with the first bytes; at once with an Expect
//      header or flushHeaders()); the Agent gives it a socket now or later.
//   2. 'socket' on the tick after a socket is assigned; what was written before goes
//      out once it is (queued until the connect completes).
//   3. 'finish' once end() was called and its last bytes have left; 'response' when
//      the response's head arrives (after any 'information'/'continue' for 1xx);
//      the response emits 'data' and 'end' (http/incoming_message.h).
//   4. The socket is given back to the Agent once the response ended and the
//      request sent everything: no 'close' then (v12). Otherwise, when the socket
//      closes: 'aborted' on an incomplete response, the request's 'close', then the
//      response's 'close'; with no response, 'error' (ECONNRESET "socket hang up",
//      or the socket's error) before the request's 'close'.
//   5. Malformed responses fail as current Node's client does: 'error' with the
//      parser's HPE_* code; the socket is destroyed, never pooled.
//
// Ownership and threads: shared (std::shared_ptr); the request keeps itself alive
// until it is done (4.), so a caller need not keep it. The response lives as long as
// the request. Every method on the loop thread that made it (a loop of http::run(),
// or a server's loop), and every listener runs there, never from inside a call into
// the request. A call from another thread is a data race: post to the loop instead.
// Exceptions a listener throws: reported (http/uncaught.h), and the socket destroyed.
#ifndef HTTP_CLIENT_REQUEST_H_
#define HTTP_CLIENT_REQUEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/buffer.h"
#include "engine/timer.h"
#include "http/client_options.h"
#include "http/events.h"
#include "http/incoming_message.h"
#include "http/message_head.h"
#include "http/outgoing_message.h"

namespace http {

class Agent;
class ClientLoop;
class ClientSocket;

// What v12's 'information' event carries: a 1xx response other than 101. The views
// and the headers are valid during the listener only.
struct InformationMessage {
  int statusCode;
  std::string_view statusMessage;
  std::string_view httpVersion;
  int httpVersionMajor;
  int httpVersionMinor;
  const IncomingHeaders& headers;
  const std::vector<HeaderView>& rawHeaders;
};

using ClientRequestEvents =
    EventEmitter<Event<"response", IncomingMessage&>, Event<"socket", ClientSocket&>,
                 Event<"connect", IncomingMessage&, Socket&, std::string_view>,
                 Event<"upgrade", IncomingMessage&, Socket&, std::string_view>,
                 Event<"continue">, Event<"information", const InformationMessage&>,
                 Event<"timeout">, Event<"abort">, Event<"error", const Error&>,
                 Event<"close">, Event<"finish">, Event<"drain">>;

class ClientRequest final : public OutgoingMessage,
                            public ClientRequestEvents,
                            public std::enable_shared_from_this<ClientRequest> {
 public:
  // Use http::request(). Throws as v12's constructor throws (ERR_INVALID_PROTOCOL,
  // ERR_UNESCAPED_CHARACTERS, ERR_INVALID_HTTP_TOKEN, header errors).
  static std::shared_ptr<ClientRequest> Create(RequestOptions options,
                                               std::function<void(IncomingMessage&)> cb);
  ~ClientRequest() override;

  // Node's plain properties.
  std::string method;
  std::string path;
  std::string host;
  std::string protocol;
  bool aborted = false;
  bool reusedSocket = false;
  size_t maxHeadersCount = 0;  // 0: v12's null (1000 fields)

  // Destroys the socket (or leaves the Agent's queue); 'abort' on the next tick,
  // once. The response, if any, is dumped.
  void abort();
  // Node's setTimeout: the socket's idle timeout, and cb as a 'timeout' listener.
  // Only 'timeout' is emitted: the caller decides whether to abort. After the
  // response has ended, nothing.
  ClientRequest& setTimeout(uint64_t ms, std::function<void()> cb = {});
  void setNoDelay(bool noDelay = true);
  void setSocketKeepAlive(bool enable = false, uint64_t initialDelay = 0);

  // v12's req.socket: the socket assigned, also once the request is done with it,
  // until that socket is freed (after its 'close'); null before one is assigned.
  ClientSocket* socket() const;
  ClientSocket* connection() const { return socket(); }
  // The response, once 'response' was emitted; else null.
  IncomingMessage* res() { return has_response_ ? &response_ : nullptr; }
  const std::shared_ptr<Agent>& agent() const { return agent_; }

 private:
  friend class Agent;
  friend class ClientLoop;
  friend class ClientSocket;
  ClientRequest() = default;
  void Init(RequestOptions options, std::function<void(IncomingMessage&)> cb);

  // OutgoingMessage's hooks.
  void ImplicitHeader() override;
  void AppendFirstLine(std::string& head) const override;
  void Emit(OutgoingEvent event, const Error* err) override;
  void OnceFinish(std::function<void()> cb) override;
  bool ClosesAfterFinish() const override { return false; }

  // From the socket (v12's listeners on it).
  void OnSocket(ClientSocket* s);  // v12's onSocket: onSocketNT on the next tick
  void SocketTick();
  int OnResponseHead(MessageHead& head);  // v12's parserOnIncomingClient
  void OnResponseEnd();                   // v12's responseOnEnd
  void OnSocketClose();                   // v12's socketCloseListener
  void OnSocketEnd();                     // v12's socketOnEnd
  void OnSocketError(const Error& err);   // v12's socketErrorListener
  void OnParseError(const Error& err);
  void OnUpgrade(std::string_view rest);
  void OnSocketTimeout();
  void OnSocketConnect();  // v12's _deferToConnect: the bytes written so far go
  // Done with the socket: the response's and the message's ticks leave its queue,
  // and neither reaches it again (their fields stay readable).
  void DetachFromSocket();
  // The loop is going: nothing more is emitted, and the request lets go of itself.
  void Abandon();
  void MaybeRelease();
  void EmitError(const Error& err);
  // The request is done: it lets go of itself once the ticks that name it have run.
  void Done();
  void DoneTick();
  void AbortTick();
  void ErrorTick();
  // The C++ additions' deadlines (client_request_limits.cc): each from
  // Loop::DeadlineAfter (0: none), one timer armed for the earliest.
  enum class Limit : uint8_t { kConnect, kResponse, kDeadline, kQueue };
  void SetLimit(Limit which, uint64_t at_ms);
  void OnLimitTimer();
  void FailWith(const Error& err);
  // AgentOptions::retryIdempotent: true when the request goes again on a new socket
  // instead of failing (the socket that failed says so before its close).
  bool TryRetry();
  void Resend();
  void MoveResponseOut(std::string_view buffer);

  ClientLoop* loop_ = nullptr;
  std::shared_ptr<Agent> agent_;
  RequestOptions options_;  // as the agent sees them
  ClientSocket* socket_ = nullptr;          // v12's req.socket (set by the socket tick)
  ClientSocket* pending_socket_ = nullptr;  // assigned, its tick not yet run
  ClientSocket* last_socket_ = nullptr;     // for socket(), while last_alive_ holds
  std::weak_ptr<bool> last_alive_;
  ClientRequest* loop_prev_ = nullptr;      // in its ClientLoop's list of requests in flight
  ClientRequest* loop_next_ = nullptr;
  std::shared_ptr<ClientRequest> self_;  // set while in flight
  IncomingMessage response_;
  bool has_response_ = false;
  MessageHead head_;         // the response's (and 1xx heads', in turn)
  engine::BufRef head_buf_;  // the receive buffer the head is read from, this receive
  IncomingHeaders info_headers_;
  std::optional<uint64_t> timeout_;  // v12's this.timeout
  std::optional<Error> pending_error_;
  std::optional<bool> no_delay_;  // setNoDelay() before a socket
  std::optional<uint64_t> pending_timeout_;  // setTimeout() before a socket
  bool socket_keep_alive_set_ = false;  // setSocketKeepAlive() before a socket
  bool socket_keep_alive_ = false;
  uint64_t socket_keep_alive_delay_ = 0;
  bool response_ended_ = false;  // v12's _ended
  bool upgrade_or_connect_ = false;
  bool timeout_listened_ = false;  // v12's timeoutCb
  bool socket_assigned_ = false;   // onSocket ran (the socket tick is due or ran)
  bool queued_ = false;            // waits in its agent's requests
  bool done_ = false;
  bool released_ = false;  // handed its socket back
  bool retrying_ = false;  // the failed try's socket is going; the request goes again
  bool retried_ = false;
  bool no_reuse_ = false;  // the agent gives it a new socket (a retry)
  struct Limits {
    engine::Timer timer;
    uint64_t at[4] = {0, 0, 0, 0};  // by Limit
  };
  std::unique_ptr<Limits> limits_;
  Tick socket_tick_{this, [](void* r) { static_cast<ClientRequest*>(r)->SocketTick(); }};
  Tick abort_tick_{this, [](void* r) { static_cast<ClientRequest*>(r)->AbortTick(); }};
  Tick error_tick_{this, [](void* r) { static_cast<ClientRequest*>(r)->ErrorTick(); }};
  Tick done_tick_{this, [](void* r) { static_cast<ClientRequest*>(r)->DoneTick(); }};
};

}  // namespace http

#endif  // HTTP_CLIENT_REQUEST_H_
