// The client's entry points: Node v12's http.request(), http.get() and
// http.globalAgent, and http::run(), the event loop that client code runs in.
//
//   int main() {
//     http::run([] {
//       http::get("http://127.0.0.1:8080/", [](http::IncomingMessage& res) {
//         res.on<"data">([](std::string_view chunk) { ... });
//       });
//     });
//   }
//
// Threads: the client runs on engine loops. request(), get() and globalAgent() use
// the calling thread's loop: inside http::run(), or in a listener of a Server (a
// request made there runs on that server loop, next to the connections it serves).
// From a thread that runs no loop they throw ERR_HTTP_NO_LOOP. Every listener and
// callback of a request, its response, its socket and its Agent then runs on that
// loop's thread, never from inside the call that made it.
#ifndef HTTP_CLIENT_H_
#define HTTP_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "engine/loop.h"
#include "http/agent.h"
#include "http/client_options.h"
#include "http/client_request.h"
#include "http/client_socket.h"
#include "http/incoming_message.h"

namespace http {

// http.request(options[, callback]) and http.request(url[, options][, callback]):
// the options are merged over the URL's parts, as v12's Object.assign(
// urlToOptions(url), options): an option set (a non-empty string, a non-zero port)
// wins. cb, if given, is added as a once-listener of 'response'. Throws as v12 does (bad URL,
// protocol, method or path; see ClientRequest).
std::shared_ptr<ClientRequest> request(RequestOptions options,
                                       std::function<void(IncomingMessage&)> cb = {});
std::shared_ptr<ClientRequest> request(std::string_view url, RequestOptions options = {},
                                       std::function<void(IncomingMessage&)> cb = {});
std::shared_ptr<ClientRequest> request(std::string_view url,
                                       std::function<void(IncomingMessage&)> cb);
// http.get: request() with method GET, then end().
std::shared_ptr<ClientRequest> get(RequestOptions options,
                                   std::function<void(IncomingMessage&)> cb = {});
std::shared_ptr<ClientRequest> get(std::string_view url, RequestOptions options = {},
                                   std::function<void(IncomingMessage&)> cb = {});
std::shared_ptr<ClientRequest> get(std::string_view url,
                                   std::function<void(IncomingMessage&)> cb);

// http.globalAgent: the calling loop's (one per loop; v12's defaults: no keepAlive,
// so its requests say Connection: close).
const std::shared_ptr<Agent>& globalAgent();

// net.createConnection for a request (RequestOptions::createConnection's default):
// a socket of the calling loop, connecting as the options say.
ClientSocket* createConnection(const RequestOptions& options);

// C++ addition: Node's event loop for client code. Makes a loop on the calling
// thread, runs main on it, then runs the loop until nothing keeps it going (Node's
// ref'd handles: requests in flight, sockets in use, name lookups, setTimeout()
// timers; a pooled keep-alive socket does not count), and tears it down (closing the
// sockets left). An exception main throws is rethrown after the teardown; one a
// listener throws is reported (http/uncaught.h). Not from a thread that runs a loop.
// options: the loop's (a smaller receive ring than a server's by default).
engine::LoopOptions DefaultClientLoop();
void run(std::function<void()> main, engine::LoopOptions options = DefaultClientLoop());

// C++ addition standing in for Node's global setTimeout, on the calling loop: runs
// cb once, ms from now (never synchronously). Keeps http::run() going until it fires.
void setTimeout(std::function<void()> cb, uint64_t ms);
// C++ addition standing in for Node's global setImmediate, on the calling loop: runs
// cb once this turn's callbacks and ticks have run (the loop's deferred phase), before
// the sockets closed in this turn report their close, as Node's check phase comes
// before its close callbacks. Keeps http::run() going until it has run.
void setImmediate(std::function<void()> cb);

}  // namespace http

#endif  // HTTP_CLIENT_H_
