#include "tests/fuzz/fuzz_handler.h"

#include <algorithm>
#include <memory>
#include <string_view>

namespace fuzz {
namespace {

constexpr int kStatuses[4] = {200, 404, 204, 304};
constexpr size_t kMaxHeadersCounts[4] = {1000, 0, 2, 40};

std::string Summary(http::IncomingMessage& req) {
  std::string s;
  s += req.method;
  s += ' ';
  s += req.url;
  s += " HTTP/";
  s += req.httpVersion;
  s += " raw=" + std::to_string(req.rawHeaders().size()) + '\n';
  for (const auto& [name, value] : req.headers().entries()) {
    s += name;
    s += '=';
    s += value;
    s += '\n';
  }
  return s;
}

}  // namespace

FuzzHandler::FuzzHandler(const uint8_t* program) : listeners_(program[0]) {
  std::copy(program + 1, program + kProgramBytes, actions_.begin());
}

uint8_t FuzzHandler::ActionFor(size_t index) const {
  auto a = static_cast<unsigned>(actions_[index % 4]);
  unsigned r = (index / 4) % 8;
  return static_cast<uint8_t>(r == 0 ? a : ((a << r) | (a >> (8 - r))) & 0xff);
}

void FuzzHandler::Install(http::Server& server) {
  server.maxHeadersCount = kMaxHeadersCounts[(listeners_ >> 5) & 3];
  server.on<"request">([this](http::IncomingMessage& req, http::ServerResponse& res) {
    OnRequest(req, res);
  });
  if (listeners_ & 1) {
    // Answers with the error's code; rawPacket and bytesParsed depend on the cuts.
    server.on<"clientError">([](const http::ClientError& e, http::Socket& socket) {
      socket.end("HTTP/1.1 400 Bad Request\r\nX-Code: " + e.code +
                 "\r\nConnection: close\r\n\r\n");
    });
  }
  if (listeners_ & 2) {
    server.on<"checkContinue">([this](http::IncomingMessage& req, http::ServerResponse& res) {
      if (ActionFor(requests_) & 0x40) {
        ++requests_;
        res.writeHead(417);
        res.end();
        return;
      }
      res.writeContinue();
      OnRequest(req, res);
    });
  }
  if (listeners_ & 4) {
    server.on<"checkExpectation">([](http::IncomingMessage& req, http::ServerResponse& res) {
      res.writeHead(417, {{"X-Expect", req.headers().get("expect").value_or("")}});
      res.end("expectation failed\n");
    });
  }
  if (listeners_ & 8) {
    server.on<"upgrade">([this](http::IncomingMessage& req, http::Socket& s, std::string_view head) {
      TakeOver(req, s, head, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n");
    });
  }
  if (listeners_ & 16) {
    server.on<"connect">([this](http::IncomingMessage& req, http::Socket& s, std::string_view head) {
      TakeOver(req, s, head, "HTTP/1.1 200 Connection Established\r\n");
    });
  }
}

// An echo from here on: what follows the head, in this receive and later ones.
void FuzzHandler::TakeOver(http::IncomingMessage& req, http::Socket& socket, std::string_view head,
                           const char* status_line) {
  socket.write(std::string(status_line) + "X-Url: " + std::to_string(req.url.size()) +
               "\r\n\r\n");
  socket.write(head);
  socket.on<"data">([s = &socket](std::string_view d) { s->write(d); });
  socket.on<"end">([s = &socket] { s->end(); });
}

void FuzzHandler::BetweenPieces() {
  std::vector<http::IncomingMessage*> paused;
  paused.swap(paused_requests_);
  for (http::IncomingMessage* req : paused) req->resume();
  if (paused_socket_ != nullptr) std::exchange(paused_socket_, nullptr)->resume();
}

void FuzzHandler::OnRequest(http::IncomingMessage& req, http::ServerResponse& res) {
  uint8_t action = ActionFor(requests_++);
  if (action & 0x80) {
    paused_ = deferred_ = true;
    if (action & 0x40) {
      if (paused_socket_ == nullptr) {
        paused_socket_ = req.socket();
        req.socket()->on<"close">([this](bool) { paused_socket_ = nullptr; });
        req.socket()->pause();
      }
    } else {
      req.pause();
      paused_requests_.push_back(&req);
      req.on<"close">([this, r = &req] {
        paused_requests_.erase(std::remove(paused_requests_.begin(), paused_requests_.end(), r),
                               paused_requests_.end());
      });
    }
  }
  if ((action & 3) != 3) {
    Answer(req, res, action, Summary(req));
    return;
  }
  // Answered once the body is read.
  deferred_ = true;
  auto body = std::make_shared<std::string>(Summary(req));
  req.on<"data">([body](std::string_view d) { body->append(d); });
  req.on<"end">([this, &req, &res, body, action] {
    for (const auto& [name, value] : req.trailers().entries()) {
      *body += "trailer ";
      *body += name;
      *body += '=';
      *body += value;
      *body += '\n';
    }
    Answer(req, res, action, *body);
  });
}

void FuzzHandler::Answer(http::IncomingMessage& req, http::ServerResponse& res, uint8_t action,
                         const std::string& body) {
  int status = kStatuses[(action >> 3) & 3];
  bool fields = (action & 4) != 0;
  bool extra = (action & 0x40) != 0;
  if (action & 0x20) res.setHeader("Connection", "close");
  if (fields) {
    res.setHeader("X-List", std::vector<std::string>{"a", std::to_string(req.url.size())});
    res.setHeader("X-Gone", "1");
    if (res.hasHeader("x-gone") && res.getHeader("X-LIST") != nullptr) res.removeHeader("X-Gone");
  }
  int style = action & 3;
  if (style == 3) style = fields ? 2 : 1;
  if (extra && style == 0) res.sendDate = false;
  if (extra && style == 2) res.writeContinue();
  switch (style) {
    case 0:
      res.statusCode = status;
      res.end(body);
      break;
    case 1: {
      if (fields) {
        res.writeHead(status, {{"X-Dup", "1"}, {"x-dup", "2"}, {"Content-Type", "text/plain"}});
      } else {
        res.writeHead(status, "Fuzzy");
      }
      size_t half = body.size() / 2;
      res.write(std::string_view(body).substr(0, half));
      res.write(std::string_view(body).substr(half));
      if (extra) res.addTrailers({{"X-Trailer", "t"}});
      res.end();
      break;
    }
    default:
      res.statusCode = status;
      res.setHeader("Content-Length", static_cast<int64_t>(body.size()));
      res.write(body);
      res.end();
      break;
  }
}

}  // namespace fuzz
