// http.request(), http.get(), http.globalAgent, and http::run().
#include "http/client.h"

#include <charconv>
#include <exception>
#include <utility>

#include "http/client_loop.h"
#include "http/client_url.h"

namespace http {
namespace {

// v12: Object.assign(urlToOptions(new URL(url)), options): what the options set wins.
RequestOptions MergeUrl(std::string_view url, RequestOptions o) {
  UrlOptions u = ParseUrl(url);
  if (o.protocol.empty()) o.protocol = u.protocol;
  if (o.hostname.empty() && o.host.empty()) o.hostname = u.hostname;
  if (o.port == 0 && !u.port.empty()) {
    unsigned port = 0;
    std::from_chars(u.port.data(), u.port.data() + u.port.size(), port);
    o.port = static_cast<uint16_t>(port);
  }
  if (o.path.empty()) o.path = u.path;
  if (o.auth.empty()) o.auth = u.auth;
  return o;
}

std::shared_ptr<ClientRequest> Get(std::shared_ptr<ClientRequest> req) {
  req->end();
  return req;
}

}  // namespace

std::shared_ptr<ClientRequest> request(RequestOptions options,
                                       std::function<void(IncomingMessage&)> cb) {
  return ClientRequest::Create(std::move(options), std::move(cb));
}

std::shared_ptr<ClientRequest> request(std::string_view url, RequestOptions options,
                                       std::function<void(IncomingMessage&)> cb) {
  return ClientRequest::Create(MergeUrl(url, std::move(options)), std::move(cb));
}

std::shared_ptr<ClientRequest> request(std::string_view url,
                                       std::function<void(IncomingMessage&)> cb) {
  return request(url, RequestOptions{}, std::move(cb));
}

std::shared_ptr<ClientRequest> get(RequestOptions options,
                                   std::function<void(IncomingMessage&)> cb) {
  return Get(request(std::move(options), std::move(cb)));
}

std::shared_ptr<ClientRequest> get(std::string_view url, RequestOptions options,
                                   std::function<void(IncomingMessage&)> cb) {
  return Get(request(url, std::move(options), std::move(cb)));
}

std::shared_ptr<ClientRequest> get(std::string_view url,
                                   std::function<void(IncomingMessage&)> cb) {
  return Get(request(url, RequestOptions{}, std::move(cb)));
}

const std::shared_ptr<Agent>& globalAgent() { return ClientLoop::Current().globalAgent(); }

ClientSocket* createConnection(const RequestOptions& options) {
  ClientSocket* s = ClientLoop::Current().NewSocket();
  s->Connect(options);
  return s;
}

engine::LoopOptions DefaultClientLoop() {
  engine::LoopOptions o;
  // A client has far fewer connections than a server: 256 buffers of 16 KiB (4 MiB
  // of ring), with the same overflow for when they are all taken.
  o.sq_entries = 512;
  o.buffer_count = 256;
  return o;
}

void run(std::function<void()> main, engine::LoopOptions options) {
  if (engine::Loop::current() != nullptr) {
    throw Error(ErrorType::kError, "ERR_HTTP_LOOP_RUNNING",
                "http::run() is called from a thread that runs a loop already");
  }
  engine::SetupError setup;
  std::unique_ptr<engine::Loop> loop = engine::Loop::Create(options, &setup);
  if (!loop) {
    throw Error(ErrorType::kError, "ERR_HTTP_LOOP_SETUP",
                "The client's loop could not be set up: " + setup.message);
  }
  std::exception_ptr thrown;
  bool started = false;
  loop->Defer([&] {
    started = true;
    try {
      main();
    } catch (...) {
      thrown = std::current_exception();
    }
  });
  while (true) {
    loop->RunOnce();
    if (!started) continue;
    ClientLoop* cl = ClientLoop::Existing();
    if (thrown || cl == nullptr || (cl->refs() == 0 && !cl->ticks_pending())) break;
  }
  loop.reset();
  if (thrown) std::rethrow_exception(thrown);
}

void setTimeout(std::function<void()> cb, uint64_t ms) {
  ClientLoop::Current().SetTimeout(std::move(cb), ms);
}

void setImmediate(std::function<void()> cb) { ClientLoop::Current().SetImmediate(std::move(cb)); }

}  // namespace http
