// Agent: Node v12's http.Agent, the pool of client sockets. Public names follow
// Node's spelling; see docs/API.md.
//
//   auto agent = std::make_shared<http::Agent>(http::AgentOptions{.keepAlive = true});
//   http::RequestOptions o;
//   o.agent = agent;
//
// How a request gets its socket (v12's addRequest), by getName(options):
//   1. a free socket of that name, the oldest (fifo) or the newest (lifo), is reused
//      (reuseSocket; the request's reusedSocket is true);
//   2. else, below maxSockets sockets of that name and maxTotalSockets in all, a new
//      one is made (createConnection);
//   3. else the request waits in requests(), in order.
// When a request is done with its socket (its response ended and it had sent
// everything), the socket goes, on the next tick, to the next request waiting for
// that name; or, with keepAlive, when both ends wanted to keep it alive, and within
// maxSockets, maxTotalSockets and maxFreeSockets, to freeSockets() (keepSocketAlive);
// else it is destroyed. A free socket that closes, fails or times out (options
// timeout) leaves the pool quietly. When a socket closes, a request waiting for its
// name (or, failing that, for any name with no socket at all) gets a new one.
//
// Ownership and threads: share it with std::shared_ptr; every request made through
// it holds it until the request is done, so an Agent outlives its requests and
// sockets in use. Destroying it (the last reference gone) destroys its free sockets.
// An Agent belongs to the loop whose thread made its first request (each loop has its
// own globalAgent); using it from another loop's thread throws ERR_HTTP_WRONG_LOOP.
// Its methods, and the virtual ones a subclass overrides, run on that loop's thread,
// never from inside a call of the user's into it except as Node calls them
// (createConnection and reuseSocket from addRequest).
//
// Where v12 has a plain bug this follows its documentation (docs/API.md lists each):
// totalSocketCount counts each socket once, so maxTotalSockets holds (v12 counted
// pooled sockets twice as they closed, went negative, and let the limit be passed).
#ifndef HTTP_AGENT_H_
#define HTTP_AGENT_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/client_options.h"

namespace http {

class ClientLoop;
class ClientRequest;
class ClientSocket;

struct AgentOptions {
  bool keepAlive = false;
  uint64_t keepAliveMsecs = 1000;  // TCP keep-alive's initial delay on pooled sockets
  size_t maxSockets = 0;       // per name; 0: Infinity (Agent.defaultMaxSockets)
  size_t maxTotalSockets = 0;  // 0: Infinity
  size_t maxFreeSockets = 0;   // per name; 0: 256
  enum class Scheduling { kFifo, kLifo };
  Scheduling scheduling = Scheduling::kFifo;
  uint64_t timeout = 0;  // ms: the idle timeout of the agent's sockets; 0: none

  // C++ additions, off by default (v12's behaviour):
  // - freeSocketMargin (ms): a pooled socket leaves the pool (destroyed) this long
  //   before the server's `Keep-Alive: timeout=N` on its last response runs out, so
  //   that no request is sent on a socket the server is closing (a response without
  //   that header: no effect).
  uint64_t freeSocketMargin = 0;
  // - retryIdempotent: a request with an idempotent method (GET, HEAD, OPTIONS,
  //   TRACE, PUT, DELETE) and no body, sent on a reused socket that closes or fails
  //   before any byte of a response, is sent once more on a new socket instead of
  //   failing (no 'error' or 'close' for the first try; 'socket' again).
  bool retryIdempotent = false;
  // - queueTimeout (ms): a request that waits in requests() longer fails with
  //   ERR_HTTP_QUEUE_TIMEOUT and leaves the queue; with it set, an aborted request
  //   leaves the queue at once too (v12 kept it there until a socket was free).
  uint64_t queueTimeout = 0;
};

class Agent {
 public:
  static constexpr size_t kInfinity = std::numeric_limits<size_t>::max();

  explicit Agent(AgentOptions options = {});
  virtual ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Node's plain properties (settable, as in Node; read as each request comes).
  size_t maxSockets;
  size_t maxFreeSockets;
  size_t maxTotalSockets;
  bool keepAlive;
  uint64_t keepAliveMsecs;
  uint16_t defaultPort = 80;
  std::string protocol = "http:";
  const AgentOptions& options() const { return options_; }
  // Sockets of this agent that exist: in use and free (each once).
  size_t totalSocketCount() const { return total_sockets_; }

  // v12's getName: "host:port:localAddress[:family][:socketPath]".
  virtual std::string getName(const RequestOptions& options) const;
  // Makes the socket for a request (v12: net.createConnection(options)).
  virtual ClientSocket* createConnection(const RequestOptions& options);
  // A socket is about to be pooled: false destroys it instead. v12's sets TCP
  // keep-alive (keepAliveMsecs) and unrefs the socket (a pooled socket does not keep
  // http::run() going).
  virtual bool keepSocketAlive(ClientSocket& socket);
  // A pooled socket is given to req: v12's sets req.reusedSocket and refs it.
  virtual void reuseSocket(ClientSocket& socket, ClientRequest& req);
  // Destroys every socket, free and in use (their requests see the close).
  void destroy();

  // Node's requests, sockets and freeSockets, by name; a name with none is absent.
  const std::map<std::string, std::vector<ClientRequest*>>& requests() const {
    return requests_;
  }
  const std::map<std::string, std::vector<ClientSocket*>>& sockets() const { return sockets_; }
  const std::map<std::string, std::vector<ClientSocket*>>& freeSockets() const {
    return free_sockets_;
  }

 private:
  friend class ClientRequest;
  friend class ClientSocket;

  // v12's addRequest: gives req a socket now or later (see the top of this file).
  void AddRequest(ClientRequest& req);
  // A queued request left (aborted): it no longer waits.
  void RemoveRequest(ClientRequest& req);
  // v12's 'free' handler: s is done with its request.
  void OnFree(ClientSocket& s);
  // v12's removeSocket: s closed, or left the agent (agentRemove).
  void RemoveSocket(ClientSocket& s);
  // s goes with its loop (teardown): it leaves every list, and nothing is made.
  void Forget(ClientSocket& s);
  // The socket's idle timeout fired: a free socket is destroyed.
  void OnSocketTimeout(ClientSocket& s);
  void CreateSocket(ClientRequest* req, const RequestOptions& options, bool inform);
  void SetRequestSocket(ClientRequest& req, ClientSocket& s);
  void CheckLoop();
  void DestroyAFreeSocket();
  bool OthersWaiting(const std::string& name) const;

  AgentOptions options_;
  uint64_t loop_id_ = 0;  // the ClientLoop of the first request (0: none yet)
  std::map<std::string, std::vector<ClientRequest*>> requests_;
  std::map<std::string, std::vector<ClientSocket*>> sockets_;
  std::map<std::string, std::vector<ClientSocket*>> free_sockets_;
  size_t total_sockets_ = 0;
};

}  // namespace http

#endif  // HTTP_AGENT_H_
