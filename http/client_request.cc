// ClientRequest: v12's constructor, abort(), timeouts, and its side of the socket's
// events (the listeners v12's tickOnSocket installs).
#include "http/client_request.h"

#include <utility>

#include "http/agent.h"
#include "http/ascii.h"
#include "http/client.h"
#include "http/client_loop.h"
#include "http/client_socket.h"
#include "http/client_url.h"
#include "http/uncaught.h"

namespace http {
namespace {

bool Informational(int status) { return status >= 100 && status < 200 && status != 101; }

}  // namespace

std::shared_ptr<ClientRequest> ClientRequest::Create(RequestOptions options,
                                                     std::function<void(IncomingMessage&)> cb) {
  std::shared_ptr<ClientRequest> req(new ClientRequest());
  req->Init(std::move(options), std::move(cb));
  return req;
}

ClientRequest::~ClientRequest() = default;

void ClientRequest::Init(RequestOptions options, std::function<void(IncomingMessage&)> cb) {
  loop_ = &ClientLoop::Current();
  if (options.noAgent) {
    agent_ = std::make_shared<Agent>();  // v12: new defaultAgent.constructor()
  } else if (options.agent) {
    agent_ = options.agent;
  } else if (!options.createConnection) {
    agent_ = loop_->globalAgent();
  }
  if (agent_) agent_->CheckLoop();
  protocol = options.protocol.empty() ? "http:" : options.protocol;
  if (!options.path.empty()) CheckRequestPath(options.path);
  CheckProtocol(protocol, agent_ ? agent_->protocol : "http:");
  uint16_t default_port = options.defaultPort != 0 ? options.defaultPort
                          : agent_                 ? agent_->defaultPort
                                                   : 0;
  options.port = RequestPort(options.port, default_port);
  options.host = std::string(RequestHost(options.hostname, options.host));
  host = options.host;
  timeout_ = options.timeout;
  method = RequestMethod(options.method);
  path = std::string(RequestPath(options.path));
  if (cb) once<"response">(std::move(cb));

  AttachOutgoing(nullptr, nullptr, true, true, UsesChunkedEncodingByDefault(method), 0);
  via_agent_ = agent_ != nullptr;
  if (agent_) {
    // Keep-alive only when the agent can reuse the socket: v12 asks for it when the
    // agent keeps sockets or bounds them.
    bool reusable = agent_->keepAlive || agent_->maxSockets != Agent::kInfinity;
    last_ = !reusable;
    keep_alive_ = reusable;
  }

  if (!options.headersArePairs) {
    for (const RequestHeader& h : options.headers) {
      if (h.is_array) setHeader(h.name, h.values);
      else setHeader(h.name, h.values.empty() ? std::string_view() : h.values.front());
    }
    if (!host.empty() && getHeader("host") == nullptr && options.setHost) {
      setHeader("Host", HostHeader(host, options.port, default_port));
    }
    if (!options.auth.empty() && getHeader("Authorization") == nullptr) {
      setHeader("Authorization", BasicAuthorization(options.auth));
    }
    if (getHeader("expect") != nullptr) StoreHeader(nullptr, 0);
  } else {
    std::vector<std::string_view> values;
    values.reserve(options.headers.size());
    std::vector<HeadField> fields;
    for (const RequestHeader& h : options.headers) {
      for (const std::string& v : h.values) values.push_back(v);
    }
    size_t at = 0;
    for (const RequestHeader& h : options.headers) {
      fields.push_back(HeadField{h.name, values.data() + at, h.values.size(), h.is_array});
      at += h.values.size();
    }
    StoreHeader(fields.data(), fields.size());
  }

  options_ = std::move(options);
  self_ = shared_from_this();
  loop_->Track(this);
  if (options_.deadline != 0) {
    SetLimit(Limit::kDeadline, loop_->loop().DeadlineAfter(options_.deadline));
  }
  if (agent_) {
    agent_->AddRequest(*this);
  } else {
    last_ = true;  // no agent: Connection: close
    keep_alive_ = false;
    ClientSocket* s = options_.createConnection ? options_.createConnection(options_)
                                                : createConnection(options_);
    OnSocket(s);
  }
}

// --- OutgoingMessage's hooks ---------------------------------------------------------

void ClientRequest::ImplicitHeader() {
  if (head_written_) throw Error::HeadersSent("render");
  StoreHeader(nullptr, 0);
}

void ClientRequest::AppendFirstLine(std::string& head) const {
  head.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
}

void ClientRequest::Emit(OutgoingEvent event, const Error* err) {
  switch (event) {
    case OutgoingEvent::kFinish:
      if (options_.responseTimeout != 0 && !has_response_) {
        SetLimit(Limit::kResponse, loop_->loop().DeadlineAfter(options_.responseTimeout));
      }
      // v12's onFinish: no 'finish' once the socket has failed.
      if (socket_ == nullptr || !socket_->had_error_) emit<"finish">();
      break;
    case OutgoingEvent::kDrain: emit<"drain">(); break;
    case OutgoingEvent::kError: emit<"error">(*err); break;
    case OutgoingEvent::kClose: break;  // the socket's close says when (OnSocketClose)
  }
}

void ClientRequest::OnceFinish(std::function<void()> cb) { once<"finish">(std::move(cb)); }

// --- the user's calls ------------------------------------------------------------

void ClientRequest::abort() {
  if (!aborted) loop_->NextTick(abort_tick_);
  aborted = true;
  if (queued_ && agent_->options().queueTimeout != 0) {
    // With a queue timeout, a queued request that is aborted leaves the queue now.
    agent_->RemoveRequest(*this);
    Done();
    return;
  }
  if (has_response_) response_.Dump();
  // Without a socket yet, the socket's tick (or the agent's queue) sees the flag.
  if (socket_ != nullptr) socket_->destroy();
}

void ClientRequest::AbortTick() { RunReportingExceptions([this] { emit<"abort">(); }); }

ClientRequest& ClientRequest::setTimeout(uint64_t ms, std::function<void()> cb) {
  if (response_ended_) return *this;
  timeout_listened_ = true;
  if (cb) once<"timeout">(std::move(cb));
  timeout_ = ms;
  if (socket_ != nullptr) socket_->setTimeout(ms, {});
  else pending_timeout_ = ms;  // v12: once('socket', setSocketTimeout)
  return *this;
}

void ClientRequest::setNoDelay(bool noDelay) {
  no_delay_ = noDelay;
  if (socket_ != nullptr) socket_->setNoDelay(noDelay);
}

void ClientRequest::setSocketKeepAlive(bool enable, uint64_t initialDelay) {
  socket_keep_alive_set_ = true;
  socket_keep_alive_ = enable;
  socket_keep_alive_delay_ = initialDelay;
  if (socket_ != nullptr) socket_->setKeepAlive(enable, initialDelay);
}

// --- the socket ----------------------------------------------------------------------

ClientSocket* ClientRequest::socket() const {
  if (socket_ != nullptr) return socket_;
  return last_alive_.expired() ? nullptr : last_socket_;
}

void ClientRequest::OnSocket(ClientSocket* s) {
  pending_socket_ = s;
  loop_->NextTick(socket_tick_);
}

// v12's onSocketNT, then tickOnSocket.
void ClientRequest::SocketTick() {
  ClientSocket* s = pending_socket_;
  pending_socket_ = nullptr;
  if (s == nullptr) return;
  if (aborted) {
    // Aborted while waiting: the socket goes back (or, without an agent, away).
    if (!agent_) s->destroy();
    else agent_->OnFree(*s);
    Done();
    return;
  }
  socket_ = s;
  if (options_.connectTimeout != 0 && !s->connected_) {
    SetLimit(Limit::kConnect, loop_->loop().DeadlineAfter(options_.connectTimeout));
  }
  last_socket_ = s;
  last_alive_ = s->alive_;
  s->Attach(this);
  if (timeout_ || (agent_ && agent_->options().timeout != 0)) timeout_listened_ = true;
  if (no_delay_) s->setNoDelay(*no_delay_);
  if (socket_keep_alive_set_) s->setKeepAlive(socket_keep_alive_, socket_keep_alive_delay_);
  if (pending_timeout_) {
    s->setTimeout(*pending_timeout_, {});
    pending_timeout_.reset();
  }
  // v12's _deferToConnect(_flush): on a reused socket, what was written goes before
  // the user's 'socket' listeners run; on a new one, once it is connected, which in
  // v12 is always after 'socket' (a loopback connect may have completed here).
  bool reused = s->requests_served_ > 1;
  BindTransport(s, s, reused);
  RunReportingExceptions([&] { emit<"socket">(*s); });
  if (!reused && s->connected_ && socket_ == s) Flush();
  if (s->pending_error_) {
    // The socket failed before this tick (its connect, or a lookup): the request
    // hears the error now, as v12's socketErrorListener would, then the close.
    Error err = *s->pending_error_;
    s->pending_error_.reset();
    RunReportingExceptions([&] { OnSocketError(err); });
  }
  if (s->closed_) {
    RunReportingExceptions([&] { OnSocketClose(); });
    s->req_ = nullptr;
    DetachFromSocket();
    if (retrying_) Resend();
    else Done();
  }
}

// v12's parserOnIncomingClient.
int ClientRequest::OnResponseHead(MessageHead& head) {
  if (has_response_) {
    socket_->destroy();  // a second response to one request
    return 0;
  }
  IncomingMessage& res = response_;
  res.Attach(socket_, socket_, &head, maxHeadersCount != 0 ? maxHeadersCount : 1000);
  res.statusCode = head.status;
  res.statusMessage = head.status_text;
  res.httpVersionMajor = head.http_major;
  res.httpVersionMinor = head.http_minor;
  res.httpVersion = VersionString(head.http_major, head.http_minor);
  if (head.upgrade || method == "CONNECT") return 2;  // the socket is handed over
  if (Informational(head.status)) {
    if (head.status == 100) emit<"continue">();
    info_headers_.Build(head.headers, 0);
    InformationMessage info{head.status,      res.statusMessage,   res.httpVersion,
                            head.http_major,  head.http_minor,     info_headers_,
                            head.headers};
    emit<"information">(info);
    res.Detach();
    return 1;
  }
  if (keep_alive_ && !head.keep_alive && !upgrade_or_connect_) keep_alive_ = false;
  has_response_ = true;
  if (limits_) SetLimit(Limit::kResponse, 0);
  socket_->NoteKeepAliveTimeout(head);
  if (aborted || !emit<"response">(res)) res.Dump();
  return method == "HEAD" ? 1 : 0;
}

// v12's responseOnEnd (the response's first 'end' listener).
void ClientRequest::OnResponseEnd() {
  response_ended_ = true;
  if (limits_) SetLimit(Limit::kDeadline, 0);
  if (socket_ == nullptr) return;
  if (!keep_alive_) {
    socket_->end({});  // v12's destroySoon: what is queued goes, then the close
  } else if (ended_) {
    socket_->Release();
  }
}

// v12's requestOnPrefinish: everything was handed to the socket.
void ClientRequest::MaybeRelease() {
  if (keep_alive_ && response_ended_ && socket_ != nullptr) socket_->Release();
}

void ClientRequest::DetachFromSocket() {
  if (socket_ == nullptr) return;
  ClientSocket* s = socket_;
  for (Tick* t : {&response_.resume_tick_, &response_.readable_tick_, &response_.end_tick_}) {
    if (t->queued) s->CancelTick(*t);
  }
  if (response_.stops_receiving_) s->HoldReceiving(false);
  response_.stops_receiving_ = false;
  while (response_.held_buffers_ != 0) response_.ReleaseHeldBuffer();
  response_.transport_ = nullptr;
  response_.socket_ = nullptr;
  DetachTransport();
  socket_ = nullptr;
  head_buf_.Release();
}

// v12's socketCloseListener.
void ClientRequest::OnSocketClose() {
  if (TryRetry()) return;
  if (has_response_) {
    IncomingMessage& res = response_;
    if (!res.complete) {
      res.aborted = true;
      res.emit<"aborted">();
    }
    emit<"close">();
    if (!res.eof_) {
      // v12: push(null) now, 'close' after 'end'.
      res.close_after_end_ = true;
      res.PushEnd();
    } else if (res.end_emitted_) {
      res.EmitClose();
    } else {
      res.close_after_end_ = true;
    }
  } else {
    if (!socket_->had_error_) {
      socket_->had_error_ = true;
      emit<"error">(Error::ConnReset("socket hang up"));
    }
    emit<"close">();
  }
}

// v12's socketOnEnd: the peer's FIN.
void ClientRequest::OnSocketEnd() {
  if (TryRetry()) return;
  if (!has_response_ && !socket_->had_error_) {
    socket_->had_error_ = true;
    emit<"error">(Error::ConnReset("socket hang up"));
  }
}

// v12's socketErrorListener.
void ClientRequest::OnSocketError(const Error& err) {
  if (TryRetry()) return;
  socket_->had_error_ = true;
  emit<"error">(err);
}

void ClientRequest::OnParseError(const Error& err) {
  socket_->had_error_ = true;
  emit<"error">(err);
}

// v12's upgrade branch of socketOnData: the socket leaves the agent and belongs to
// the 'upgrade' (or 'connect') listener, with the bytes read past the head.
void ClientRequest::OnUpgrade(std::string_view rest) {
  ClientSocket* s = socket_;
  bool is_connect = method == "CONNECT";
  size_t listeners = is_connect ? listenerCount<"connect">() : listenerCount<"upgrade">();
  if (listeners == 0) {
    s->destroy();
    return;
  }
  upgrade_or_connect_ = true;
  has_response_ = true;
  s->agentRemove();
  s->HandOver();
  if (is_connect) emit<"connect">(response_, *s, rest);
  else emit<"upgrade">(response_, *s, rest);
  emit<"close">();
  DetachFromSocket();
  Done();
}

// The end of a receive the head was read in: the head moves out of the buffer.
void ClientRequest::MoveResponseOut(std::string_view buffer) {
  ViewMove move;
  size_t n = head_.MoveOut(buffer, &move);
  if (has_response_) response_.MoveViews(move);
  if (socket_ != nullptr) socket_->CountCopied(n);
}

void ClientRequest::OnSocketConnect() {
  if (limits_) SetLimit(Limit::kConnect, 0);
  if (transport_ != nullptr) Flush();
}

void ClientRequest::OnSocketTimeout() {
  if (timeout_listened_) emit<"timeout">();
}

void ClientRequest::EmitError(const Error& err) {
  pending_error_ = err;
  loop_->NextTick(error_tick_);
}

void ClientRequest::ErrorTick() {
  if (!pending_error_) return;
  Error err = *pending_error_;
  pending_error_.reset();
  RunReportingExceptions([&] { emit<"error">(err); });
  RunReportingExceptions([&] { emit<"close">(); });
  Done();
}

void ClientRequest::Done() {
  if (done_) return;
  done_ = true;
  limits_.reset();
  loop_->NextTick(done_tick_);
}

void ClientRequest::DoneTick() {
  loop_->Untrack(this);
  std::shared_ptr<ClientRequest> self = std::move(self_);  // may be the last reference
}

void ClientRequest::Abandon() {
  DetachFromSocket();
  loop_->Untrack(this);
  std::shared_ptr<ClientRequest> self = std::move(self_);
}

}  // namespace http
