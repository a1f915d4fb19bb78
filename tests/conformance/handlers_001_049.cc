// C++ handlers for scenarios 002-049 (response shape: framing, header order, status
// lines, keep-alive); each mirrors its handler.js. 001 is in handlers_basic.cc.
#include <string>
#include <vector>

#include "tests/conformance/scenario.h"

namespace {

using http::IncomingMessage;
using http::ServerResponse;

// Registers `handler` as the 'request' listener.
template <typename Fn>
conformance::Scenario OnRequest(Fn handler) {
  return {.setup = [handler](http::Server& s) { s.on<"request">(handler); }};
}

// handler: ok. Answers 200 'ok' with end(data).
void Ok(IncomingMessage&, ServerResponse& res) { res.end("ok"); }

CONFORMANCE_SCENARIO("002_end_empty", EndEmpty) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) { res.end(); });
}

CONFORMANCE_SCENARIO("003_write_then_end_chunked", WriteThenEndChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("ab");
    res.write("cde");
    res.end("f");
  });
}

CONFORMANCE_SCENARIO("004_writehead_then_end_chunked", WriteHeadThenEndChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200);
    res.end("hello");
  });
}

CONFORMANCE_SCENARIO("005_writehead_content_length", WriteHeadContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, {{"Content-Length", "5"}, {"Content-Type", "text/plain"}});
    res.end("hello");
  });
}

CONFORMANCE_SCENARIO("006_setheader_replace_keeps_position", SetHeaderReplaceKeepsPosition) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("X-First", "1");
    res.setHeader("X-Second", "2");
    res.setHeader("X-Third", "3");
    res.setHeader("x-FIRST", "replaced");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("007_removeheader", RemoveHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("A", "a");
    res.setHeader("B", "b");
    res.setHeader("C", "c");
    res.removeHeader("b");
    res.setHeader("D", "d");
    res.setHeader("b", "again");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("008_user_date_header", UserDateHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("X-A", "a");
    res.setHeader("Date", "Sunday, 06-Nov-94 08:49:37 GMT");
    res.setHeader("X-B", "b");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("009_senddate_false", SendDateFalse) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.sendDate = false;
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("010_remove_date", RemoveDate) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.removeHeader("Date");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("011_user_content_length_with_writes", UserContentLengthWithWrites) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Length", "5");
    res.write("hel");
    res.end("lo");
  });
}

CONFORMANCE_SCENARIO("012_user_transfer_encoding_chunked", UserTransferEncodingChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Transfer-Encoding", "chunked");
    res.setHeader("X-After", "1");
    res.write("abc");
    res.end("de");
  });
}

CONFORMANCE_SCENARIO("013_user_transfer_encoding_gzip", UserTransferEncodingGzip) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Transfer-Encoding", "gzip");
    res.write("abc");
    res.end("de");
  });
}

CONFORMANCE_SCENARIO("014_remove_content_length_chunked", RemoveContentLengthChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.removeHeader("Content-Length");
    res.end("hello");
  });
}

CONFORMANCE_SCENARIO("015_remove_cl_and_te", RemoveClAndTe) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.removeHeader("Content-Length");
    res.removeHeader("Transfer-Encoding");
    res.write("abc");
    res.end("de");
  });
}

CONFORMANCE_SCENARIO("016_status_code_404", StatusCode404) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 404;
    res.end("nope");
  });
}

CONFORMANCE_SCENARIO("017_status_message_custom", StatusMessageCustom) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 202;
    res.statusMessage = "Totally Fine";
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("018_writehead_reason_phrase", WriteHeadReasonPhrase) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(201, "Made It", {{"X-Id", "7"}});
    res.end("created");
  });
}

CONFORMANCE_SCENARIO("019_unknown_status_code", UnknownStatusCode) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(599);
    res.end("x");
  });
}

CONFORMANCE_SCENARIO("020_status_code_999_implicit", StatusCode999Implicit) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 999;
    res.end("x");
  });
}

CONFORMANCE_SCENARIO("021_writehead_merges_setheader", WriteHeadMergesSetHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Type", "text/html");
    res.setHeader("X-Foo", "bar");
    res.writeHead(200, {{"content-type", "text/plain"}, {"X-New", "1"}});
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("022_writehead_array_values", WriteHeadArrayValues) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, http::HeaderValuesList{{"X-Multi", {"a", "b"}},
                                              {"Set-Cookie", {"a=1", "b=2; Path=/"}}});
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("023_setheader_set_cookie_list", SetHeaderSetCookieList) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("X-Before", "1");
    res.setHeader("Set-Cookie", std::vector<std::string>{"a=1", "b=2", "c=3"});
    res.setHeader("X-After", "1");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("024_writehead_pairs_array", WriteHeadPairsArray) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, {{"X-A", "1"}, {"X-B", "2"}, {"X-A", "3"}});
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("025_cookie_array_joined", CookieArrayJoined) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, http::HeaderValuesList{{"Cookie", {"a=1", "b=2"}}, {"X-List", {"x", "y"}}});
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("026_writehead_twice_without_setheader", WriteHeadTwiceWithoutSetHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, {{"X-First", "1"}});
    res.writeHead(404, {{"X-Second", "2"}});
    res.end("x");
  });
}

CONFORMANCE_SCENARIO("027_header_value_types", HeaderValueTypes) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("X-Num", 42);
    res.setHeader("x-lower", "v");
    res.setHeader("X-MiXeD", "w");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("028_keepalive_header_user", KeepAliveHeaderUser) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Keep-Alive", "timeout=9");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("029_keepalive_timeout_zero", KeepAliveTimeoutZero) {
  return {.setup = [](http::Server& s) {
    s.keepAliveTimeout = 0;
    s.on<"request">(Ok);
  }};
}

CONFORMANCE_SCENARIO("030_keepalive_timeout_6500", KeepAliveTimeout6500) {
  return {.setup = [](http::Server& s) {
    s.keepAliveTimeout = 6500;
    s.on<"request">(Ok);
  }};
}

CONFORMANCE_SCENARIO("031_flush_headers_then_end", FlushHeadersThenEnd) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.flushHeaders();
    res.end("hello");
  });
}

CONFORMANCE_SCENARIO("032_utf8_content_length", Utf8ContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) { res.end("h\u00e9llo \u2603"); });
}

CONFORMANCE_SCENARIO("033_end_with_encoding", EndWithEncoding) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) { res.end("68656c6c6f", "hex"); });
}

CONFORMANCE_SCENARIO("034_empty_writes_skipped", EmptyWritesSkipped) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("a");
    res.write("");
    res.write("b");
    res.end("");
  });
}

CONFORMANCE_SCENARIO("035_cork_uncork", CorkUncork) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.cork();
    res.write("one");
    res.write("two");
    res.uncork();
    res.end("three");
  });
}

CONFORMANCE_SCENARIO("036_large_body_content_length", LargeBodyContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    std::string body(70000, '\0');
    for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
    res.end(std::move(body));
  });
}

// A ServerResponse subclass that sets a header in its constructor.
class TaggedResponse : public ServerResponse {
 public:
  TaggedResponse() { setHeader("X-Powered-By", "subclass"); }
};

CONFORMANCE_SCENARIO("037_response_subclass", ResponseSubclass) {
  conformance::Scenario s = OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Type", "text/plain");
    res.end("ok");
  });
  s.options.ServerResponse = [] { return std::make_unique<TaggedResponse>(); };
  return s;
}

CONFORMANCE_SCENARIO("038_http10_end_raw_close", Http10EndRawClose) { return OnRequest(Ok); }

CONFORMANCE_SCENARIO("039_http10_keepalive_end_close", Http10KeepAliveEndClose) {
  return OnRequest(Ok);
}

CONFORMANCE_SCENARIO("040_http10_keepalive_user_content_length", Http10KeepAliveUserContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Length", 2);
    res.end("ok");
  });
}

// Writes 'ab', ends with 'cd' (041, 042, 043).
void WriteAbEndCd(IncomingMessage&, ServerResponse& res) {
  res.write("ab");
  res.end("cd");
}

CONFORMANCE_SCENARIO("041_http10_te_chunked", Http10TeChunked) { return OnRequest(WriteAbEndCd); }

CONFORMANCE_SCENARIO("042_http10_te_chunked_keepalive", Http10TeChunkedKeepAlive) {
  return OnRequest(WriteAbEndCd);
}

CONFORMANCE_SCENARIO("043_http10_write_raw_close", Http10WriteRawClose) {
  return OnRequest(WriteAbEndCd);
}

CONFORMANCE_SCENARIO("044_http11_client_close", Http11ClientClose) { return OnRequest(Ok); }

CONFORMANCE_SCENARIO("045_http11_client_keepalive_explicit", Http11ClientKeepAliveExplicit) {
  return OnRequest(Ok);
}

CONFORMANCE_SCENARIO("046_http11_client_close_token_list", Http11ClientCloseTokenList) {
  return OnRequest(Ok);
}

CONFORMANCE_SCENARIO("047_user_connection_close", UserConnectionClose) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Connection", "close");
    res.setHeader("X-After", "1");
    res.end("ok");
  });
}

// Sets Connection: keep-alive, ends with 'ok' (048, 049).
void UserKeepAlive(IncomingMessage&, ServerResponse& res) {
  res.setHeader("Connection", "keep-alive");
  res.end("ok");
}

CONFORMANCE_SCENARIO("048_user_connection_keepalive_overrides_client_close",
                     UserConnectionKeepAliveOverridesClientClose) {
  // v12 (checked against v12.22.9, and insecureHTTPParser here): sent twice, both are
  // answered and the connection stays open; the client's Connection: close does not
  // stop the parsing, and the user's keep-alive response does not end the socket.
  conformance::Scenario sc = OnRequest(UserKeepAlive);
  sc.strict.why =
      "RFC 9112 9.6: after a request with Connection: close nothing more is processed, "
      "and the server closes once it has answered it";
  return sc;
}

CONFORMANCE_SCENARIO("049_http10_user_connection_keepalive", Http10UserConnectionKeepAlive) {
  return OnRequest(UserKeepAlive);
}

}  // namespace
