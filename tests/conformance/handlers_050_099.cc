// C++ handlers for scenarios 050-099 (pipelining, bodiless responses, trailers, the
// errors the response throws or emits, Expect, default client errors); each mirrors
// its handler.js.
#include <memory>
#include <string>
#include <vector>

#include "tests/conformance/scenario.h"

namespace {

using http::IncomingMessage;
using http::ServerResponse;

template <typename Fn>
conformance::Scenario OnRequest(Fn handler) {
  return {.setup = [handler](http::Server& s) { s.on<"request">(handler); }};
}

// handler: ok. Answers 200 'ok' with end(data).
void Ok(IncomingMessage&, ServerResponse& res) { res.end("ok"); }

// Answers with the request URL.
void EchoUrl(IncomingMessage& req, ServerResponse& res) { res.end("url=" + std::string(req.url)); }

// handler: echo-body. Reads the body and answers 200 with it, prefixed by 'body='.
void EchoBody(IncomingMessage& req, ServerResponse& res) {
  auto body = std::make_shared<std::string>();
  req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
  req.on<"end">([body, &res] { res.end("body=" + *body); });
}

// err.code + ': ' + err.message
std::string Report(const http::Error& err) {
  return std::string(err.code()) + ": " + std::string(err.message());
}

CONFORMANCE_SCENARIO("050_remove_connection_header", RemoveConnectionHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.removeHeader("Connection");
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("051_pipelined_two_gets", PipelinedTwoGets) { return OnRequest(EchoUrl); }

CONFORMANCE_SCENARIO("052_pipelined_last_close", PipelinedLastClose) { return OnRequest(EchoUrl); }

CONFORMANCE_SCENARIO("053_pipelined_order_kept", PipelinedOrderKept) {
  return OnRequest([](IncomingMessage& req, ServerResponse& res) {
    if (req.url == "/slow") {
      res.socket()->runAfter(50, [&req, &res] { res.end("url=" + std::string(req.url)); });
    } else {
      res.end("url=" + std::string(req.url));
    }
  });
}

CONFORMANCE_SCENARIO("054_pipelined_unread_body", PipelinedUnreadBody) {
  return OnRequest(EchoUrl);
}

CONFORMANCE_SCENARIO("055_pipelined_three_mixed", PipelinedThreeMixed) {
  return OnRequest(EchoBody);
}

CONFORMANCE_SCENARIO("056_pipelined_chunked_then_get", PipelinedChunkedThenGet) {
  return OnRequest(EchoBody);
}

CONFORMANCE_SCENARIO("057_pipelined_after_close_ignored", PipelinedAfterCloseIgnored) {
  return OnRequest(EchoUrl);
}

CONFORMANCE_SCENARIO("058_head_end_data", HeadEndData) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) { res.end("hello"); });
}

CONFORMANCE_SCENARIO("059_head_user_content_length", HeadUserContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Length", 5);
    res.end("hello");
  });
}

CONFORMANCE_SCENARIO("060_head_write_then_end", HeadWriteThenEnd) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("abc");
    res.end("de");
  });
}

CONFORMANCE_SCENARIO("061_status_204", Status204) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 204;
    res.end("ignored");
  });
}

CONFORMANCE_SCENARIO("062_status_304_write", Status304Write) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(304, {{"ETag", "\"x\""}});
    res.write("abc");
    res.end();
  });
}

CONFORMANCE_SCENARIO("063_status_204_user_chunked", Status204UserChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Transfer-Encoding", "chunked");
    res.statusCode = 204;
    res.end();
  });
}

CONFORMANCE_SCENARIO("064_status_1xx_writehead", Status1xxWriteHead) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(103, {{"Link", "</style.css>; rel=preload"}});
    res.end("ignored");
  });
}

CONFORMANCE_SCENARIO("065_trailers_chunked", TrailersChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeHead(200, {{"Content-Type", "text/plain"}, {"Trailer", "X-Checksum"}});
    res.write("abc");
    res.addTrailers({{"X-Checksum", "123"}});
    res.end();
  });
}

CONFORMANCE_SCENARIO("066_trailer_header_forces_chunked", TrailerHeaderForcesChunked) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Trailer", "X-T");
    res.addTrailers({{"X-T", "v"}});
    res.end("data");
  });
}

CONFORMANCE_SCENARIO("067_trailers_without_trailer_header", TrailersWithoutTrailerHeader) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("abc");
    res.addTrailers({{"X-A", "1"}, {"X-B", "2"}});
    res.end();
  });
}

CONFORMANCE_SCENARIO("068_trailers_array_pairs", TrailersArrayPairs) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("abc");
    res.addTrailers({{"X-A", "1"}, {"X-A", "2"}});
    res.end();
  });
}

CONFORMANCE_SCENARIO("069_trailers_dropped_content_length", TrailersDroppedContentLength) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.addTrailers({{"X-A", "1"}});
    res.end("data");
  });
}

CONFORMANCE_SCENARIO("070_trailers_dropped_http10", TrailersDroppedHttp10) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.write("abc");
    res.addTrailers({{"X-A", "1"}});
    res.end();
  });
}

CONFORMANCE_SCENARIO("071_err_trailer_invalid", ErrTrailerInvalid) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Content-Length", 4);
    res.setHeader("Trailer", "X-T");
    std::string report = "no error";
    try {
      res.writeHead(200);
    } catch (const http::Error& err) {
      report = Report(err);
    }
    res.removeHeader("Trailer");
    res.removeHeader("Content-Length");
    res.writeHead(200);
    res.end(report);
  });
}

CONFORMANCE_SCENARIO("072_err_trailer_invalid_http10", ErrTrailerInvalidHttp10) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.setHeader("Trailer", "X-T");
    std::string report = "no error";
    try {
      res.writeHead(200);
    } catch (const http::Error& err) {
      report = std::string(err.code());
    }
    res.removeHeader("Trailer");
    res.writeHead(200);
    res.end(report);
  });
}

// Runs `attempt` after `before`; ends with the error it threw, or 'no error'.
template <typename Before, typename Attempt>
conformance::Scenario CatchAndReport(Before before, Attempt attempt) {
  return OnRequest([before, attempt](IncomingMessage&, ServerResponse& res) {
    before(res);
    try {
      attempt(res);
    } catch (const http::Error& err) {
      res.end(Report(err));
      return;
    }
    res.end("no error");
  });
}

void WriteA(ServerResponse& res) { res.write("a"); }
void Nothing(ServerResponse&) {}

CONFORMANCE_SCENARIO("073_err_headers_sent_setheader", ErrHeadersSentSetHeader) {
  return CatchAndReport(WriteA, [](ServerResponse& res) { res.setHeader("X-Late", "1"); });
}

CONFORMANCE_SCENARIO("074_err_headers_sent_removeheader", ErrHeadersSentRemoveHeader) {
  return CatchAndReport(WriteA, [](ServerResponse& res) { res.removeHeader("Date"); });
}

CONFORMANCE_SCENARIO("075_err_headers_sent_writehead", ErrHeadersSentWriteHead) {
  return CatchAndReport(
      [](ServerResponse& res) {
        res.setHeader("X-A", "1");
        res.write("a");
      },
      [](ServerResponse& res) { res.writeHead(200); });
}

CONFORMANCE_SCENARIO("076_err_invalid_http_token", ErrInvalidHttpToken) {
  return CatchAndReport(Nothing, [](ServerResponse& res) { res.setHeader("Bad Name", "x"); });
}

CONFORMANCE_SCENARIO("077_err_invalid_http_token_writehead", ErrInvalidHttpTokenWriteHead) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    std::string report = "no error";
    try {
      res.writeHead(200, {{"X Bad", "v"}});
    } catch (const http::Error& err) {
      report = Report(err);
    }
    res.writeHead(200, {{"X-Good", "v"}});
    res.end(report);
  });
}

CONFORMANCE_SCENARIO("078_err_invalid_char", ErrInvalidChar) {
  return CatchAndReport(Nothing, [](ServerResponse& res) { res.setHeader("X-A", "a\nb"); });
}

CONFORMANCE_SCENARIO("079_err_invalid_char_status_message", ErrInvalidCharStatusMessage) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    std::string report = "no error";
    try {
      res.writeHead(200, "bad\r\nphrase");
    } catch (const http::Error& err) {
      report = Report(err);
    }
    res.writeHead(200, "OK");
    res.end(report);
  });
}

CONFORMANCE_SCENARIO("080_err_invalid_char_trailer", ErrInvalidCharTrailer) {
  return CatchAndReport(WriteA, [](ServerResponse& res) { res.addTrailers({{"X-T", "a\r\nb"}}); });
}

CONFORMANCE_SCENARIO("081_err_invalid_token_trailer", ErrInvalidTokenTrailer) {
  return CatchAndReport(WriteA, [](ServerResponse& res) { res.addTrailers({{"Bad Name", "v"}}); });
}

CONFORMANCE_SCENARIO("082_err_invalid_header_value", ErrInvalidHeaderValue) {
  return CatchAndReport(Nothing, [](ServerResponse& res) { res.setHeader("X-A", std::nullopt); });
}

CONFORMANCE_SCENARIO("083_err_invalid_status_writehead", ErrInvalidStatusWriteHead) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    std::string report;
    for (int code : {99, 1000}) {
      if (!report.empty()) report += "\n";
      try {
        res.writeHead(code);
        report += "no error";
      } catch (const http::Error& err) {
        report += Report(err);
      }
    }
    res.writeHead(200);
    res.end(report);
  });
}

CONFORMANCE_SCENARIO("084_err_invalid_status_statuscode", ErrInvalidStatusStatusCode) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.statusCode = 42;
    std::string report = "no error";
    try {
      res.end("x");
    } catch (const http::Error& err) {
      report = Report(err);
    }
    res.statusCode = 200;
    res.end(report);
  });
}

// Not pipelined behind itself: both /first requests would run before the first
// /report (v12 too dispatches pipelined requests as they are parsed), so the
// doubled answer differs from the recording twice over.
CONFORMANCE_SCENARIO("085_err_write_after_end", ErrWriteAfterEnd) {
  return {.setup =
              [](http::Server& s) {
                auto seen = std::make_shared<std::vector<std::string>>();
                s.on<"request">([seen](IncomingMessage& req, ServerResponse& res) {
                  if (req.url == "/first") {
                    res.on<"error">([seen](const http::Error& err) {
                      seen->push_back("error event: " + Report(err));
                    });
                    res.end("first");
                    bool ret1 = res.write("late", [seen](const http::Error* err) {
                      seen->push_back("callback 1: " + (err ? std::string(err->code()) : "none"));
                    });
                    bool ret2 = res.write("late", "latin1", [seen](const http::Error* err) {
                      seen->push_back("callback 2: " + (err ? std::string(err->code()) : "none"));
                    });
                    seen->push_back(std::string("write returned ") + (ret1 ? "true" : "false") +
                                    " " + (ret2 ? "true" : "false"));
                  } else {
                    res.socket()->runAfter(50, [seen, &res] {
                      std::string out;
                      for (size_t i = 0; i < seen->size(); ++i) out += (i ? "\n" : "") + (*seen)[i];
                      // The recording had one connection per server; the replay runs many
                      // against one server, so each report starts afresh.
                      seen->clear();
                      res.end(out);
                    });
                  }
                });
              },
          .pipeline = false};
}

CONFORMANCE_SCENARIO("086_end_twice_ignored", EndTwiceIgnored) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.on<"error">([](const http::Error& err) { throw err; });
    res.end("once");
    res.end("twice");
  });
}

CONFORMANCE_SCENARIO("087_expect_100_continue_default", Expect100ContinueDefault) {
  return OnRequest(EchoBody);
}

CONFORMANCE_SCENARIO("088_expect_100_continue_mixed_case", Expect100ContinueMixedCase) {
  return OnRequest(EchoBody);
}

CONFORMANCE_SCENARIO("089_check_continue_listener", CheckContinueListener) {
  return {.setup = [](http::Server& s) {
    s.on<"checkContinue">([](IncomingMessage& req, ServerResponse& res) {
      res.writeContinue();
      auto body = std::make_shared<std::string>();
      req.on<"data">([body](std::string_view chunk) { body->append(chunk); });
      req.on<"end">([body, &res] { res.end("continued: " + *body); });
    });
  }};
}

CONFORMANCE_SCENARIO("090_check_continue_reject", CheckContinueReject) {
  return {.setup =
              [](http::Server& s) {
                s.on<"checkContinue">([](IncomingMessage&, ServerResponse& res) {
                  res.statusCode = 401;
                  res.end("denied");
                });
              }};
}

CONFORMANCE_SCENARIO("091_expect_other_417", ExpectOther417) { return OnRequest(Ok); }

CONFORMANCE_SCENARIO("092_check_expectation_listener", CheckExpectationListener) {
  return {.setup = [](http::Server& s) {
    s.on<"checkExpectation">([](IncomingMessage& req, ServerResponse& res) {
      res.end("expectation: " + std::string(req.headers().get("expect").value_or("")));
    });
  }};
}

CONFORMANCE_SCENARIO("093_expect_http10_ignored", ExpectHttp10Ignored) {
  return OnRequest(EchoBody);
}

CONFORMANCE_SCENARIO("094_write_continue_manual", WriteContinueManual) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeContinue();
    res.end("ok");
  });
}

CONFORMANCE_SCENARIO("095_write_processing", WriteProcessing) {
  return OnRequest([](IncomingMessage&, ServerResponse& res) {
    res.writeProcessing();
    res.end("done");
  });
}

CONFORMANCE_SCENARIO("096_client_error_bad_method", ClientErrorBadMethod) { return OnRequest(Ok); }

CONFORMANCE_SCENARIO("097_client_error_bad_header_name", ClientErrorBadHeaderName) {
  return OnRequest(Ok);
}

CONFORMANCE_SCENARIO("098_client_error_invalid_content_length", ClientErrorInvalidContentLength) {
  return OnRequest(Ok);
}

CONFORMANCE_SCENARIO("099_client_error_header_overflow_431", ClientErrorHeaderOverflow431) {
  return OnRequest(Ok);
}

}  // namespace
