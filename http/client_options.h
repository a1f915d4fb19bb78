// RequestOptions: the options of http.request() (Node v12's names), and the
// lookup function that may replace the resolver.
#ifndef HTTP_CLIENT_OPTIONS_H_
#define HTTP_CLIENT_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/errors.h"

namespace http {

class Agent;
class ClientSocket;

// One header of Node's `headers` option: a name with one value, or with a list (v12
// sends one line per value; Cookie's joined by "; ").
struct RequestHeader {
  RequestHeader(std::string n, std::string v) : name(std::move(n)), values{std::move(v)} {}
  RequestHeader(std::string n, std::vector<std::string> v)
      : name(std::move(n)), values(std::move(v)), is_array(true) {}
  std::string name;
  std::vector<std::string> values;
  bool is_array = false;
};

// Node's dns.lookup-shaped resolver: calls cb once with the address, or with an
// error. Called on the loop thread; cb must be called on the loop thread too
// (synchronously or later).
using LookupCallback = std::function<void(const Error* err, const std::string& address, int family)>;
using LookupFunction =
    std::function<void(const std::string& hostname, int family, LookupCallback cb)>;

struct RequestOptions {
  // The Agent that pools the request's socket; null: the loop's globalAgent (or
  // none when createConnection is set). noAgent: Node's `agent: false`, a one-off
  // Agent with the default options.
  std::shared_ptr<Agent> agent;
  bool noAgent = false;
  std::string auth;  // "user:password": an Authorization: Basic header
  // Node's createConnection: makes the socket for a request without an Agent (see
  // createConnection() in http/client.h for the default).
  std::function<ClientSocket*(const RequestOptions&)> createConnection;
  uint16_t defaultPort = 0;  // 0: the agent's (80)
  int family = 0;            // 0, 4 or 6
  // Node's headers object (names in the order given), or, with headersArePairs, its
  // array of [name, value] pairs (sent as given: no Host, no Authorization added).
  std::vector<RequestHeader> headers;
  bool headersArePairs = false;
  std::string host;      // "localhost" when both host and hostname are empty
  std::string hostname;  // preferred over host
  std::optional<bool> insecureHTTPParser;
  std::string localAddress;
  LookupFunction lookup;
  std::string method;  // "GET" when empty
  std::string path;    // "/" when empty
  uint16_t port = 0;   // 0: defaultPort
  std::string protocol;  // "http:" when empty
  bool setHost = true;
  std::string socketPath;  // a Unix socket instead of host and port
  std::optional<uint64_t> timeout;  // ms: the socket's idle timeout ('timeout' only)

  // C++ additions, deadlines Node lacks (ms; 0: none). Past one, the request fails
  // with 'error' (the code says which) and its socket is destroyed, then 'close':
  //   - connectTimeout: from the socket's assignment until it is connected
  //     (ERR_HTTP_CONNECT_TIMEOUT);
  //   - responseTimeout: from the request's last byte leaving until the response's
  //     head (ERR_HTTP_RESPONSE_TIMEOUT; 1xx heads do not count);
  //   - deadline: from http::request() until the response's end
  //     (ERR_HTTP_DEADLINE), wherever the request is then (queued, connecting,
  //     sending, reading).
  uint64_t connectTimeout = 0;
  uint64_t responseTimeout = 0;
  uint64_t deadline = 0;
};

}  // namespace http

#endif  // HTTP_CLIENT_OPTIONS_H_
