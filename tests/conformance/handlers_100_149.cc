// C++ handlers for scenarios 100-149 (client errors, CONNECT/Upgrade, the request
// as IncomingMessage shows it, limits); each mirrors its handler.js. Also defines the
// echo handlers (and their JSON) that handlers_150_199.cc reuses.
#include <memory>
#include <string>
#include <vector>

#include "http/methods.h"
#include "http/status_codes.h"
#include "tests/conformance/scenario.h"

namespace conformance_handlers {

using http::IncomingMessage;
using http::ServerResponse;

// JSON.stringify of a string whose bytes are read as latin1 (Buffer#toString('latin1')
// or a header value): each byte is one code point, written out as UTF-8.
std::string JsonString(std::string_view latin1) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : latin1) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
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

// JSON.stringify(req.headers): set-cookie is an array, every other value a string.
std::string JsonHeaders(const http::IncomingHeaders& h) {
  std::string out = "{";
  for (const auto& [name, value] : h.entries()) {
    if (out.size() > 1) out += ",";
    out += JsonString(name) + ":";
    if (name == "set-cookie") {
      out += "[";
      for (size_t i = 0; i < h.setCookie().size(); ++i) {
        out += (i ? "," : "") + JsonString(h.setCookie()[i]);
      }
      out += "]";
    } else {
      out += JsonString(value);
    }
  }
  return out + "}";
}

// JSON.stringify(req.rawHeaders): a flat array of names and values.
std::string JsonRaw(const std::vector<http::HeaderView>& raw) {
  std::string out = "[";
  for (const auto& h : raw) {
    if (out.size() > 1) out += ",";
    out += JsonString(h.name) + "," + JsonString(h.value);
  }
  return out + "]";
}

// handler: echo-request (brief = echo-request-brief: no raw headers or trailers).
void EchoRequest(http::Server& s, bool brief) {
  s.on<"request">([brief](IncomingMessage& req, ServerResponse& res) {
    auto body = std::make_shared<std::string>();
    req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
    req.on<"end">([&req, &res, body, brief] {
      std::string j = "{\"method\":" + JsonString(req.method) + ",\"url\":" + JsonString(req.url) +
                      ",\"httpVersion\":" + JsonString(req.httpVersion) +
                      ",\"headers\":" + JsonHeaders(req.headers());
      if (!brief) {
        j += ",\"rawHeaders\":" + JsonRaw(req.rawHeaders()) +
             ",\"trailers\":" + JsonHeaders(req.trailers()) +
             ",\"rawTrailers\":" + JsonRaw(req.rawTrailers()) +
             ",\"complete\":" + (req.complete ? "true" : "false");
        res.setHeader("Content-Type", "application/json");
      }
      j += ",\"body\":" + JsonString(*body) + "}\n";
      res.end(j);
    });
  });
}

void Ok(http::Server& s) {
  s.on<"request">([](IncomingMessage&, ServerResponse& res) { res.end("ok"); });
}

}  // namespace conformance_handlers

namespace {

using conformance::Scenario;
using conformance_handlers::EchoRequest;
using conformance_handlers::JsonString;
using conformance_handlers::Ok;
using http::IncomingMessage;
using http::ServerResponse;
using http::Socket;

// kBigRequest: the request is several KiB, and splitting it at every byte would take
// minutes of the test's time; those scenarios are split at sampled bytes only
// (Scenario::split_sampled). Whole(): a timing scenario, sent once and whole (split
// or twice, the same bytes would time out otherwise).

Scenario Whole(Scenario sc) {
  sc.split = false;
  sc.pipeline = false;
  return sc;
}

Scenario Echo() {
  return {.setup = [](http::Server& s) { EchoRequest(s, false); }};
}

CONFORMANCE_SCENARIO("100_client_error_after_response", ClientErrorAfterResponse) {
  return {.setup = Ok};
}

// The error's bytesParsed and rawPacket are those of the receive it happened in, as
// in Node: a split request gives other values.
CONFORMANCE_SCENARIO("101_client_error_listener", ClientErrorListener) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.on<"clientError">([](const http::ClientError& err, Socket& socket) {
                  std::string body = "code=" + err.code + "\nmessage=" + err.message +
                                     "\nbytesParsed=" + std::to_string(err.bytesParsed) +
                                     "\nrawPacket=" + JsonString(err.rawPacket);
                  socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                });
              },
          .split = false,
          .pipeline = false};
}

CONFORMANCE_SCENARIO("102_client_error_listener_431", ClientErrorListener431) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.on<"clientError">([](const http::ClientError& err, Socket& socket) {
                  std::string body = err.code + ": " + err.message;
                  socket.end("HTTP/1.1 431 Too Big\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                });
              },
          .split_sampled = true};  // kBigRequest
}

CONFORMANCE_SCENARIO("103_client_error_listener_silent_destroy", ClientErrorSilentDestroy) {
  return {.setup = [](http::Server& s) {
    Ok(s);
    s.on<"clientError">([](const http::ClientError&, Socket& socket) { socket.destroy(); });
  }};
}

CONFORMANCE_SCENARIO("104_connect_no_listener", ConnectNoListener) { return {.setup = Ok}; }

// `head` is what followed the head in the same receive: a split request moves bytes
// from it to the socket's 'data', in Node too; and a request sent twice is tunnel
// bytes the second time.
CONFORMANCE_SCENARIO("105_connect_listener", ConnectListener) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.on<"connect">([](IncomingMessage& req, Socket& socket, std::string_view head) {
                  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
                  socket.end("url=" + std::string(req.url) + " head=" + std::string(head));
                });
              },
          .split = false,
          .pipeline = false};
}

// v12 ignores every byte after such a request, so the request sent twice is answered
// once.
CONFORMANCE_SCENARIO("106_upgrade_no_listener", UpgradeNoListener) {
  return {.setup =
              [](http::Server& s) {
                s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
                  auto up = req.headers().get("upgrade");
                  res.end("url=" + std::string(req.url) +
                          " upgrade=" + (up ? std::string(*up) : std::string("undefined")));
                });
              },
          .pipeline = false};
}

// As 105: the bytes after the head, a second copy included, belong to the listener.
CONFORMANCE_SCENARIO("107_upgrade_listener", UpgradeListener) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.on<"upgrade">([](IncomingMessage&, Socket& socket, std::string_view head) {
                  socket.write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: "
                      "Upgrade\r\n\r\n");
                  socket.end("head=" + std::string(head));
                });
              },
          .split = false,
          .pipeline = false};
}

CONFORMANCE_SCENARIO("108_upgrade_listener_reads_socket", UpgradeListenerReadsSocket) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.on<"upgrade">([](IncomingMessage&, Socket& socket, std::string_view head) {
                  socket.write(
                      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: "
                      "Upgrade\r\n\r\n");
                  socket.write("head=[" + std::string(head) + "]");
                  socket.on<"data">([&socket](std::string_view chunk) {
                    socket.write("data=[" + std::string(chunk) + "]");
                  });
                  socket.runAfter(300, [&socket] { socket.end(); });
                });
              }};
}

CONFORMANCE_SCENARIO("109_echo_simple_get", EchoSimpleGet) { return Echo(); }
CONFORMANCE_SCENARIO("110_echo_post_content_length", EchoPostContentLength) { return Echo(); }
CONFORMANCE_SCENARIO("111_echo_post_chunked", EchoPostChunked) { return Echo(); }
CONFORMANCE_SCENARIO("112_echo_chunk_extensions", EchoChunkExtensions) { return Echo(); }
CONFORMANCE_SCENARIO("113_echo_request_trailers", EchoRequestTrailers) { return Echo(); }
CONFORMANCE_SCENARIO("114_echo_empty_body_cl0", EchoEmptyBodyCl0) { return Echo(); }
CONFORMANCE_SCENARIO("115_echo_http10", EchoHttp10) { return Echo(); }
CONFORMANCE_SCENARIO("116_echo_dropped_duplicates", EchoDroppedDuplicates) {
  // v12's first-wins rule for a second Host line is seen with insecureHTTPParser only.
  Scenario sc = Echo();
  sc.strict = {.why = "RFC 9112 3.2: a request with two Host lines is answered 400",
               .response = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"};
  return sc;
}
CONFORMANCE_SCENARIO("117_echo_set_cookie_array", EchoSetCookieArray) { return Echo(); }
CONFORMANCE_SCENARIO("118_echo_single_set_cookie_array", EchoSingleSetCookie) { return Echo(); }
CONFORMANCE_SCENARIO("119_echo_cookie_joined", EchoCookieJoined) { return Echo(); }
CONFORMANCE_SCENARIO("120_echo_other_duplicates_joined", EchoOtherDuplicates) { return Echo(); }
CONFORMANCE_SCENARIO("121_echo_header_whitespace", EchoHeaderWhitespace) { return Echo(); }
CONFORMANCE_SCENARIO("122_echo_header_obs_text", EchoHeaderObsText) { return Echo(); }
CONFORMANCE_SCENARIO("123_echo_absolute_url", EchoAbsoluteUrl) { return Echo(); }
CONFORMANCE_SCENARIO("124_echo_methods", EchoMethods) { return Echo(); }

// The /first exchange logs its events into `log`; /report answers with it.
void EventOrder(http::Server& s, bool resume, uint64_t report_delay_ms) {
  auto log = std::make_shared<std::vector<std::string>>();
  s.on<"request">([log, resume, report_delay_ms](IncomingMessage& req, ServerResponse& res) {
    if (req.url == "/first") {
      res.on<"finish">([log] { log->push_back("res finish"); });
      res.on<"close">([log] { log->push_back("res close"); });
      req.on<"end">([log] { log->push_back("req end"); });
      req.on<"close">([log] { log->push_back("req close"); });
      if (resume) req.resume();
      res.end("first", [log] { log->push_back("end callback"); });
      log->push_back("end returned");
      return;
    }
    auto report = [log, &res] {
      std::string text;
      for (const auto& line : *log) text += (text.empty() ? "" : "\n") + line;
      res.end(text);
    };
    if (report_delay_ms == 0) {
      report();
    } else {
      req.socket()->runAfter(report_delay_ms, report);
    }
  });
}

// The log is per server, so the request sent twice would report a longer log; and the
// order depends on /report arriving in the same receive as /first.
CONFORMANCE_SCENARIO("125_event_order_pipelined", EventOrderPipelined) {
  return {.setup = [](http::Server& s) { EventOrder(s, true, 50); },
          .split = false,
          .pipeline = false};
}

CONFORMANCE_SCENARIO("126_event_order", EventOrderNoRead) {
  return {.setup = [](http::Server& s) { EventOrder(s, false, 0); },
          .split = false,
          .pipeline = false};
}

CONFORMANCE_SCENARIO("127_event_order_resume", EventOrderResume) {
  return {.setup = [](http::Server& s) { EventOrder(s, true, 0); },
          .split = false,
          .pipeline = false};
}

class TaggedRequest : public IncomingMessage {
 public:
  std::string_view kind() const { return "subclass"; }
};

CONFORMANCE_SCENARIO("128_request_subclass", RequestSubclass) {
  http::ServerOptions options;
  options.IncomingMessage = [] { return std::make_unique<TaggedRequest>(); };
  return {.setup =
              [](http::Server& s) {
                s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
                  auto* tagged = dynamic_cast<TaggedRequest*>(&req);
                  res.end("kind=" + std::string(tagged ? tagged->kind() : "undefined") +
                          " url=" + std::string(req.url));
                });
              },
          .options = options};
}

CONFORMANCE_SCENARIO("129_write_backpressure_drain", WriteBackpressureDrain) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      bool ret = res.write(std::string(100000, 'a'));
      res.on<"drain">([&res, ret] {
        res.end(std::string("\nwrite returned ") + (ret ? "true" : "false") + ", then drain");
      });
    });
  }};
}

CONFORMANCE_SCENARIO("130_state_flags", StateFlags) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      auto flags = [](ServerResponse& r) {
        auto b = [](bool v) { return std::string(v ? "true" : "false"); };
        return b(r.headersSent()) + "," + b(r.writableEnded()) + "," + b(r.finished()) + "," +
               std::to_string(r.statusCode);
      };
      std::string before = flags(res);
      res.write("x");
      std::string after_write = flags(res);
      res.end("{\"before\":\"" + before + "\",\"afterWrite\":\"" + after_write + "\"}");
    });
  }};
}

// JSON.stringify of what v12's getHeader() returns for an entry.
std::string HeaderJson(const http::OutgoingHeaders::Entry& e) {
  if (e.is_number) return std::string(e.values[0]);
  if (!e.is_array) return JsonString(e.values[0]);
  std::string out = "[";
  for (std::string_view v : e.values) out += (out.size() > 1 ? "," : "") + JsonString(v);
  return out + "]";
}

CONFORMANCE_SCENARIO("131_get_headers_api", GetHeadersApi) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      res.setHeader("X-A", "one");
      res.setHeader("Set-Cookie", std::vector<std::string>{"a=1", "b=2"});
      res.setHeader("X-Num", int64_t{5});
      std::vector<std::string> names = res.getHeaderNames();
      std::string headers, names_json;
      size_t i = 0;
      for (const http::OutgoingHeaders::Entry& e : res.getHeaders()) {
        headers += (i ? "," : "") + JsonString(names[i]) + ":" + HeaderJson(e);
        names_json += (i ? "," : "") + JsonString(names[i]);
        ++i;
      }
      auto b = [](bool v) { return std::string(v ? "true" : "false"); };
      res.end("{\"get\":" + HeaderJson(*res.getHeader("x-a")) +
              ",\"getMissing\":" + b(res.getHeader("x-missing") == nullptr) +
              ",\"headers\":{" + headers + "},\"names\":[" + names_json + "],\"has\":[" +
              b(res.hasHeader("X-A")) + "," + b(res.hasHeader("x-missing")) + "]}");
    });
  }};
}

CONFORMANCE_SCENARIO("132_status_codes_and_methods", StatusCodesAndMethods) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      std::string j = "{\"STATUS_CODES\":{";
      bool first = true;
      for (const auto& e : http::STATUS_CODES) {
        j += (first ? "\"" : ",\"") + std::to_string(e.code) + "\":" + JsonString(e.reason);
        first = false;
      }
      j += "},\"METHODS\":[";
      first = true;
      for (std::string_view m : http::METHODS) {
        j += (first ? "" : ",") + JsonString(m);
        first = false;
      }
      res.end(j + "]}");
    });
  }};
}

CONFORMANCE_SCENARIO("133_max_headers_count", MaxHeadersCount) {
  return {.setup = [](http::Server& s) {
    s.maxHeadersCount = 3;
    EchoRequest(s, false);
  }};
}

CONFORMANCE_SCENARIO("134_max_headers_count_zero", MaxHeadersCountZero) {
  return {.setup = [](http::Server& s) {
    s.maxHeadersCount = 0;
    EchoRequest(s, false);
  }};
}

void CountHeaders(http::Server& s) {
  s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
    res.end("headers=" + std::to_string(req.headers().entries().size()) +
            " rawHeaders=" + std::to_string(req.rawHeaders().size()));
  });
}

CONFORMANCE_SCENARIO("135_max_headers_count_raw_flush", MaxHeadersCountRawFlush) {
  return {.setup = [](http::Server& s) {
    s.maxHeadersCount = 3;
    CountHeaders(s);
  }};
}

CONFORMANCE_SCENARIO("136_max_headers_count_default", MaxHeadersCountDefault) {
  return {.setup = CountHeaders, .split_sampled = true};  // kBigRequest
}

void XBigLength(http::Server& s) {
  s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
    auto v = req.headers().get("x-big");
    res.end("x-big length=" + std::to_string(v ? v->size() : 0));
  });
}

CONFORMANCE_SCENARIO("137_header_size_boundary_8191", HeaderSize8191) {
  return {.setup = XBigLength, .split_sampled = true};  // kBigRequest
}
CONFORMANCE_SCENARIO("138_header_size_boundary_8192", HeaderSize8192) {
  return {.setup = XBigLength, .split_sampled = true};  // kBigRequest
}

// Node's --max-http-header-size flag is the process-wide http::maxHeaderSize here;
// it is put back when the server closes, for the scenarios that follow.
void WithGlobalMaxHeaderSize(http::Server& s, size_t size) {
  http::maxHeaderSize = size;
  s.on<"close">([] { http::maxHeaderSize = 8192; });
}

CONFORMANCE_SCENARIO("139_max_header_size_flag_raised", MaxHeaderSizeRaised) {
  return {.setup =
              [](http::Server& s) {
                WithGlobalMaxHeaderSize(s, 16384);
                s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
                  auto v = req.headers().get("x-big");
                  res.end("x-big length=" + std::to_string(v ? v->size() : 0) +
                          " maxHeaderSize=" + std::to_string(http::maxHeaderSize.load()));
                });
              },
          .split_sampled = true};  // kBigRequest
}

CONFORMANCE_SCENARIO("140_max_header_size_flag_lowered", MaxHeaderSizeLowered) {
  return {.setup =
              [](http::Server& s) {
                WithGlobalMaxHeaderSize(s, 1024);
                Ok(s);
              },
          .split_sampled = true};  // kBigRequest
}

// v12.22.9 has no maxHeaderSize option: createServer ignores the key. The C++
// ServerOptions::maxHeaderSize (later Node's option) is therefore left unset, which
// is what the v12 program amounts to.
CONFORMANCE_SCENARIO("141_max_header_size_option_ignored", MaxHeaderSizeOptionIgnored) {
  return {.setup = Ok, .split_sampled = true};  // kBigRequest
}

CONFORMANCE_SCENARIO("142_long_url_overflow", LongUrlOverflow) {
  return {.setup = Ok, .split_sampled = true};  // kBigRequest
}

void CountFields(http::Server& s) {
  s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
    res.end("fields=" + std::to_string(req.rawHeaders().size()));
  });
}

CONFORMANCE_SCENARIO("143_many_headers_separators_not_counted", ManyHeadersNotCounted) {
  return {.setup = CountFields, .split_sampled = true};  // kBigRequest
}
CONFORMANCE_SCENARIO("144_many_headers_overflow", ManyHeadersOverflow) {
  return {.setup = CountFields, .split_sampled = true};  // kBigRequest
}

// Timing scenarios (145-149): every run waits out their timeouts, so splitting the
// request at every byte would cost the test a minute; they run whole only.
CONFORMANCE_SCENARIO("145_server_timeout_listener", ServerTimeoutListener) {
  return Whole({.setup = [](http::Server& s) {
    Ok(s);
    s.setTimeout(200);
    s.on<"timeout">([](Socket& socket) {
      socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    });
  }});
}

CONFORMANCE_SCENARIO("146_server_timeout_no_listener", ServerTimeoutNoListener) {
  return Whole({.setup = [](http::Server& s) {
    Ok(s);
    s.timeout = 200;
  }});
}

CONFORMANCE_SCENARIO("147_server_timeout_idle_after_response", ServerTimeoutIdleAfterResponse) {
  return Whole({.setup = [](http::Server& s) {
    Ok(s);
    s.timeout = 200;
    s.keepAliveTimeout = 0;
  }});
}

CONFORMANCE_SCENARIO("148_keepalive_timeout_close", KeepAliveTimeoutClose) {
  return Whole({.setup = [](http::Server& s) {
    Ok(s);
    s.keepAliveTimeout = 200;
  }});
}

CONFORMANCE_SCENARIO("149_keepalive_timeout_after_pipelined", KeepAliveAfterPipelined) {
  return Whole({.setup = [](http::Server& s) {
    s.keepAliveTimeout = 200;
    s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
      std::string text = "url=" + std::string(req.url);
      if (req.url == "/slow") {
        req.socket()->runAfter(400, [&res, text] { res.end(text); });
      } else {
        res.end(text);
      }
    });
  }});
}

}  // namespace
