// Agent: v12's _http_agent.js, the pool of sockets by name.
#include "http/agent.h"

#include <algorithm>

#include "http/client.h"
#include "http/client_loop.h"
#include "http/client_request.h"
#include "http/client_socket.h"
#include "http/client_url.h"

namespace http {
namespace {

template <typename T>
bool Erase(std::map<std::string, std::vector<T*>>& m, const std::string& name, T* v) {
  auto it = m.find(name);
  if (it == m.end()) return false;
  auto& list = it->second;
  auto at = std::find(list.begin(), list.end(), v);
  if (at == list.end()) return false;
  list.erase(at);
  if (list.empty()) m.erase(it);
  return true;
}

}  // namespace

Agent::Agent(AgentOptions options)
    : maxSockets(options.maxSockets == 0 ? kInfinity : options.maxSockets),
      maxFreeSockets(options.maxFreeSockets == 0 ? 256 : options.maxFreeSockets),
      maxTotalSockets(options.maxTotalSockets == 0 ? kInfinity : options.maxTotalSockets),
      keepAlive(options.keepAlive),
      keepAliveMsecs(options.keepAliveMsecs == 0 ? 1000 : options.keepAliveMsecs),
      options_(options) {}

Agent::~Agent() {
  // Only free sockets can be left: a socket in use has a request, which holds the
  // agent. They close without it.
  for (auto& [name, list] : free_sockets_) {
    for (ClientSocket* s : list) {
      s->agent_ = nullptr;
      s->destroy();
    }
  }
  for (auto& [name, list] : sockets_) {
    for (ClientSocket* s : list) s->agent_ = nullptr;
  }
}

void Agent::CheckLoop() {
  uint64_t current = ClientLoop::Current().id();
  if (loop_id_ == 0) loop_id_ = current;
  if (loop_id_ != current) {
    throw Error(ErrorType::kError, "ERR_HTTP_WRONG_LOOP",
                "This Agent belongs to another loop's thread");
  }
}

std::string Agent::getName(const RequestOptions& o) const {
  return AgentName(o.host, o.port, o.localAddress, o.family, o.socketPath);
}

ClientSocket* Agent::createConnection(const RequestOptions& options) {
  return http::createConnection(options);
}

bool Agent::keepSocketAlive(ClientSocket& socket) {
  socket.setKeepAlive(true, keepAliveMsecs);
  socket.unref();
  return true;
}

void Agent::reuseSocket(ClientSocket& socket, ClientRequest& req) {
  req.reusedSocket = true;
  socket.ref();
}

void Agent::destroy() {
  std::vector<ClientSocket*> all;
  for (auto* set : {&free_sockets_, &sockets_}) {
    for (auto& [name, list] : *set) all.insert(all.end(), list.begin(), list.end());
  }
  for (ClientSocket* s : all) s->destroy();
}

// v12's addRequest.
void Agent::AddRequest(ClientRequest& req) {
  const RequestOptions& options = req.options_;
  std::string name = getName(options);
  ClientSocket* socket = nullptr;
  size_t free_len = 0;
  auto free_it = req.no_reuse_ ? free_sockets_.end() : free_sockets_.find(name);
  if (free_it != free_sockets_.end()) {
    auto& list = free_it->second;
    while (!list.empty() && list.front()->destroyed()) list.erase(list.begin());
    if (!list.empty()) {
      if (options_.scheduling == AgentOptions::Scheduling::kFifo) {
        socket = list.front();
        list.erase(list.begin());
      } else {
        socket = list.back();
        list.pop_back();
      }
    }
    free_len = list.size();
    if (list.empty()) free_sockets_.erase(free_it);
  }
  auto& in_use = sockets_[name];
  size_t sock_len = free_len + in_use.size();
  if (socket != nullptr) {
    // (The margin's timeout was for the pool only.)
    if (options_.freeSocketMargin != 0 && socket->timeout() != options_.timeout) {
      socket->setTimeout(options_.timeout, {});
    }
    reuseSocket(*socket, req);
    SetRequestSocket(req, *socket);
    in_use.push_back(socket);
  } else if (sock_len < maxSockets && total_sockets_ < maxTotalSockets) {
    if (in_use.empty()) sockets_.erase(name);
    CreateSocket(&req, options, true);
  } else {
    // (v12 leaves the name's empty list in sockets, as here.)
    req.queued_ = true;
    requests_[name].push_back(&req);
    if (options_.queueTimeout != 0) {
      req.SetLimit(ClientRequest::Limit::kQueue,
                   req.loop_->loop().DeadlineAfter(options_.queueTimeout));
    }
    // The limit is all sockets, pooled ones too: an idle one of another name makes
    // room (its close gives this request a socket: RemoveSocket).
    if (total_sockets_ >= maxTotalSockets && sock_len < maxSockets) DestroyAFreeSocket();
  }
}

void Agent::DestroyAFreeSocket() {
  for (auto& [name, list] : free_sockets_) {
    if (!list.empty()) {
      list.front()->destroy();
      return;
    }
  }
}

bool Agent::OthersWaiting(const std::string& name) const {
  for (const auto& [other, list] : requests_) {
    if (other != name && !list.empty()) return true;
  }
  return false;
}

void Agent::RemoveRequest(ClientRequest& req) {
  if (!req.queued_) return;
  req.queued_ = false;
  Erase(requests_, getName(req.options_), &req);
}

// v12's createSocket with handleSocketCreation: the socket is counted, and given to
// req (inform) or freed at once for whoever waits.
void Agent::CreateSocket(ClientRequest* req, const RequestOptions& options, bool inform) {
  ClientSocket* s = createConnection(options);
  if (s == nullptr) {
    if (req != nullptr && inform) {
      req->EmitError(Error(ErrorType::kError, "ERR_HTTP_NO_SOCKET",
                           "createConnection gave no socket"));
    }
    return;
  }
  std::string name = getName(options);
  s->agent_ = this;
  s->name_ = name;
  s->options_ = options;
  sockets_[name].push_back(s);
  ++total_sockets_;
  if (inform) {
    SetRequestSocket(*req, *s);
  } else {
    s->req_keep_alive_ = false;
    OnFree(*s);
  }
}

void Agent::SetRequestSocket(ClientRequest& req, ClientSocket& s) {
  req.queued_ = false;
  if (req.limits_) req.SetLimit(ClientRequest::Limit::kQueue, 0);
  req.OnSocket(&s);
  uint64_t agent_timeout = options_.timeout;
  if (!req.timeout_ || *req.timeout_ == agent_timeout) return;
  s.setTimeout(*req.timeout_, {});
}

// v12's 'free' handler.
void Agent::OnFree(ClientSocket& s) {
  const std::string& name = s.name_;
  auto queued = requests_.find(name);
  if (s.writable() && queued != requests_.end() && !queued->second.empty()) {
    ClientRequest* next = queued->second.front();
    queued->second.erase(queued->second.begin());
    if (queued->second.empty()) requests_.erase(queued);
    SetRequestSocket(*next, s);
    return;
  }
  // A request of another name waits for room under maxTotalSockets: this socket
  // makes it (pooled, it would hold the room while idle).
  if (!s.req_keep_alive_ || !s.writable() || !keepAlive ||
      (total_sockets_ >= maxTotalSockets && OthersWaiting(name))) {
    s.destroy();
    return;
  }
  auto& free_list = free_sockets_[name];
  size_t free_len = free_list.size();
  size_t count = free_len;
  auto used = sockets_.find(name);
  if (used != sockets_.end()) count += used->second.size();
  // (v12 compares with '>': count includes this socket, still in sockets.)
  if (total_sockets_ > maxTotalSockets || count > maxSockets || free_len >= maxFreeSockets) {
    if (free_list.empty()) free_sockets_.erase(name);
    s.destroy();
    return;
  }
  if (!keepSocketAlive(s)) {
    if (free_list.empty()) free_sockets_.erase(name);
    s.destroy();
    return;
  }
  // Out of sockets, into freeSockets: still counted in totalSocketCount (v12 took it
  // out of the count here and then again at its close).
  Erase(sockets_, name, &s);
  uint64_t agent_timeout = options_.timeout;
  if (options_.freeSocketMargin != 0 && s.serverKeepAliveMs() != 0) {
    // Leave before the server's keep-alive timeout does (the idle timeout below
    // destroys a free socket: OnSocketTimeout).
    if (s.serverKeepAliveMs() <= options_.freeSocketMargin) {
      if (free_sockets_[name].empty()) free_sockets_.erase(name);
      s.destroy();
      return;
    }
    uint64_t leave = s.serverKeepAliveMs() - options_.freeSocketMargin;
    if (agent_timeout == 0 || leave < agent_timeout) agent_timeout = leave;
  }
  if (s.timeout() != agent_timeout) s.setTimeout(agent_timeout, {});
  free_sockets_[name].push_back(&s);
}

// v12's removeSocket (without its double count): s leaves the pool, and a request
// waiting for its name (or for a name that has no socket at all) gets a new one.
void Agent::RemoveSocket(ClientSocket& s) {
  const std::string& name = s.name_;
  bool removed = Erase(sockets_, name, &s);
  removed = Erase(free_sockets_, name, &s) || removed;
  if (removed) --total_sockets_;
  ClientRequest* req = nullptr;
  auto same = requests_.find(name);
  if (same != requests_.end() && !same->second.empty()) {
    req = same->second.front();
  } else {
    for (auto& [other, list] : requests_) {
      auto used = sockets_.find(other);
      if (used != sockets_.end() && !used->second.empty()) break;  // (as v12: the first with sockets stops it)
      if (!list.empty()) {
        req = list.front();
        break;
      }
    }
  }
  if (req != nullptr) CreateSocket(req, req->options_, false);
}

void Agent::Forget(ClientSocket& s) {
  bool removed = Erase(sockets_, s.name_, &s);
  removed = Erase(free_sockets_, s.name_, &s) || removed;
  if (removed) --total_sockets_;
}

void Agent::OnSocketTimeout(ClientSocket& s) {
  auto it = free_sockets_.find(s.name_);
  if (it == free_sockets_.end()) return;
  if (std::find(it->second.begin(), it->second.end(), &s) != it->second.end()) s.destroy();
}

}  // namespace http
