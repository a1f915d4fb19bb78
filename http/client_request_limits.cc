// ClientRequest's C++ additions: the connect, response and whole-exchange deadlines,
// the Agent's queue timeout, and the retry of an idempotent request whose reused
// socket failed before any response (http/client_options.h, http/agent.h).
#include <algorithm>
#include <string>

#include "engine/loop.h"
#include "http/agent.h"
#include "http/client_loop.h"
#include "http/client_request.h"
#include "http/client_socket.h"
#include "http/uncaught.h"

namespace http {
namespace {

bool Idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" ||
         m == "DELETE";
}

}  // namespace

void ClientRequest::SetLimit(Limit which, uint64_t at_ms) {
  if (!limits_) {
    if (at_ms == 0) return;
    limits_ = std::make_unique<Limits>();
    limits_->timer.set_callback([this] { OnLimitTimer(); });
  }
  limits_->at[static_cast<int>(which)] = at_ms;
  uint64_t next = 0;
  for (uint64_t at : limits_->at) {
    if (at != 0 && (next == 0 || at < next)) next = at;
  }
  engine::Loop& loop = loop_->loop();
  if (next == 0) {
    loop.timers().Cancel(&limits_->timer);
    return;
  }
  loop.timers().Arm(&limits_->timer, next);
}

void ClientRequest::OnLimitTimer() {
  uint64_t now = loop_->loop().now_ms();
  const uint64_t* at = limits_->at;
  auto due = [&](Limit l) {
    uint64_t t = at[static_cast<int>(l)];
    return t != 0 && t <= now;
  };
  std::string ms;
  if (due(Limit::kQueue)) {
    ms = std::to_string(agent_->options().queueTimeout);
    FailWith(Error(ErrorType::kError, "ERR_HTTP_QUEUE_TIMEOUT",
                   "The request waited " + ms + " ms for a socket"));
  } else if (due(Limit::kConnect)) {
    ms = std::to_string(options_.connectTimeout);
    FailWith(Error(ErrorType::kError, "ERR_HTTP_CONNECT_TIMEOUT",
                   "The connection was not made within " + ms + " ms"));
  } else if (due(Limit::kResponse)) {
    ms = std::to_string(options_.responseTimeout);
    FailWith(Error(ErrorType::kError, "ERR_HTTP_RESPONSE_TIMEOUT",
                   "No response head within " + ms + " ms of the request"));
  } else if (due(Limit::kDeadline)) {
    ms = std::to_string(options_.deadline);
    FailWith(Error(ErrorType::kError, "ERR_HTTP_DEADLINE",
                   "The request did not complete within " + ms + " ms"));
  } else {
    SetLimit(Limit::kDeadline, at[static_cast<int>(Limit::kDeadline)]);  // re-arm
  }
}

// A deadline passed: 'error', then the close (the socket's, or at once without one).
void ClientRequest::FailWith(const Error& err) {
  for (uint64_t& at : limits_->at) at = 0;
  if (socket_ != nullptr) {
    socket_->had_error_ = true;
    RunReportingExceptions([&] { emit<"error">(err); });
    if (has_response_) response_.Dump();
    if (socket_ != nullptr) socket_->destroy();
    return;
  }
  if (queued_) agent_->RemoveRequest(*this);
  aborted = true;  // a socket still on its way is handed back (SocketTick)
  RunReportingExceptions([&] { emit<"error">(err); });
  RunReportingExceptions([&] { emit<"close">(); });
  if (pending_socket_ == nullptr) Done();
}

bool ClientRequest::TryRetry() {
  if (retrying_) return true;
  if (!agent_ || !agent_->options().retryIdempotent || !reusedSocket || retried_ ||
      has_response_ || aborted || !Idempotent(method) || !RewindHeadOnly()) {
    return false;
  }
  retrying_ = retried_ = true;
  return true;
}

// The failed try's socket has let go of the request: a new socket, from the agent.
void ClientRequest::Resend() {
  retrying_ = false;
  reusedSocket = false;
  no_reuse_ = true;
  head_.Clear();
  agent_->AddRequest(*this);
}

}  // namespace http
