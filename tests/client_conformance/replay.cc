#include "tests/client_conformance/replay.h"

#include <cstdio>

namespace client_conformance {

std::string Json(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          out += static_cast<char>(0xc0 | (c >> 6));
          out += static_cast<char>(0x80 | (c & 0x3f));
        }
    }
  }
  return out + "\"";
}

std::string JsonRaw(const std::vector<http::HeaderView>& raw) {
  std::string out = "[";
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i != 0) out += ",";
    out += Json(raw[i].name) + "," + Json(raw[i].value);
  }
  return out + "]";
}

std::string JsonHeaders(const http::IncomingHeaders& headers) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : headers.entries()) {
    if (!first) out += ",";
    first = false;
    out += Json(name) + ":" + Json(value);
  }
  return out + "}";
}

void Watch(http::ClientRequest& req, Log& log, std::function<void()> at_close,
           std::string label) {
  auto line = [&log, label](std::string s) { log(label.empty() ? s : label + " " + s); };
  req.on<"socket">([line](http::ClientSocket&) { line("req socket"); });
  req.on<"finish">([line] { line("req finish"); });
  req.on<"continue">([line] { line("req continue"); });
  req.on<"abort">([line] { line("req abort"); });
  req.on<"timeout">([line] { line("req timeout"); });
  req.on<"upgrade">(
      [line](http::IncomingMessage&, http::Socket&, std::string_view) { line("req upgrade"); });
  req.on<"connect">(
      [line](http::IncomingMessage&, http::Socket&, std::string_view) { line("req connect"); });
  req.on<"information">([line](const http::InformationMessage& info) {
    line("req information " + std::to_string(info.statusCode));
  });
  req.on<"error">([line](const http::Error& e) { line("req error " + std::string(e.code())); });
  req.on<"close">([line, at_close] {
    line("req close");
    if (at_close) at_close();
  });
  req.on<"response">([line](http::IncomingMessage& res) {
    line("req response " + std::to_string(res.statusCode) + " " + Json(res.statusMessage) + " " +
         std::string(res.httpVersion) + " " + JsonRaw(res.rawHeaders()));
    res.on<"data">([line](std::string_view chunk) { line("res data " + Json(chunk)); });
    res.on<"end">([line, r = &res] {
      line(std::string("res end complete=") + (r->complete ? "true" : "false"));
    });
    res.on<"close">([line] { line("res close"); });
    res.on<"aborted">([line] { line("res aborted"); });
  });
}

std::string Pool(const http::Agent& agent, uint16_t port) {
  std::string from = ":" + std::to_string(port) + ":";
  auto name = [&](std::string n) {
    for (size_t at = n.find(from); at != std::string::npos; at = n.find(from, at + 1)) {
      n.replace(at, from.size(), ":PORT:");
    }
    return n;
  };
  auto count = [&](const auto& set) {
    std::string out = "{";
    bool first = true;
    for (const auto& [n, list] : set) {
      if (!first) out += " ";
      first = false;
      out += name(n) + "=" + std::to_string(list.size());
    }
    return out + "}";
  };
  return "sockets " + count(agent.sockets()) + " free " + count(agent.freeSockets()) +
         " requests " + count(agent.requests());
}

Replay::Replay(const std::string& name) : fixture_(LoadFixture(name)) {
  peer_ = std::make_unique<ScriptedPeer>(fixture_);
  EXPECT_TRUE(peer_->Start());
}

void Replay::Run(const std::function<void()>& fn) {
  http::run(fn);
  peer_->WaitForQuiet(100, 5000);
}

void Replay::ExpectEvents() const {
  EXPECT_EQ(log_.lines(), fixture_.events) << fixture_.name;
}

void Replay::ExpectSent() const {
  EXPECT_EQ(static_cast<int>(peer_->connections()), fixture_.connections) << fixture_.name;
  for (size_t i = 0; i < fixture_.sent.size() && i < peer_->connections(); ++i) {
    EXPECT_EQ(peer_->Received(i), fixture_.sent[i]) << fixture_.name << " connection " << i;
  }
}

http::RequestOptions At(uint16_t port, std::string path, std::shared_ptr<http::Agent> agent) {
  http::RequestOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.path = std::move(path);
  o.agent = std::move(agent);
  return o;
}

}  // namespace client_conformance
