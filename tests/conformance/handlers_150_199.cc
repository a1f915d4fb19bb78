// C++ handlers for scenarios 150-199 (timeouts, server.close, and the strict and
// lenient parser cases); each mirrors its handler.js.
// Scenarios with send_pause in meta.txt are sent in two parts that far apart.
#include <string>

#include "tests/conformance/scenario.h"

namespace conformance_handlers {
void EchoRequest(http::Server& s, bool brief);
void Ok(http::Server& s);
}  // namespace conformance_handlers

namespace {

using conformance::Scenario;
using conformance_handlers::EchoRequest;
using conformance_handlers::Ok;
using http::IncomingMessage;
using http::ServerResponse;
using http::Socket;


CONFORMANCE_SCENARIO("150_keepalive_timeout_zero_stays_open", KeepAliveZeroStaysOpen) {
  return {.setup = [](http::Server& s) {
    Ok(s);
    s.keepAliveTimeout = 0;
    s.timeout = 0;
  }};
}

// The request is an unfinished head: sent twice it is a malformed one, not two.
CONFORMANCE_SCENARIO("151_headers_timeout_incomplete_no_more_data", HeadersTimeoutNoMoreData) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.headersTimeout = 200;
              },
          .pipeline = false};
}

CONFORMANCE_SCENARIO("152_headers_timeout_late_but_complete", HeadersTimeoutLateComplete) {
  return {.setup = [](http::Server& s) {
    Ok(s);
    s.headersTimeout = 200;
  }};
}

CONFORMANCE_SCENARIO("153_headers_timeout_slow_headers", HeadersTimeoutSlowHeaders) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.headersTimeout = 200;
              },
};
}

CONFORMANCE_SCENARIO("154_headers_timeout_listener", HeadersTimeoutListener) {
  return {.setup =
              [](http::Server& s) {
                Ok(s);
                s.headersTimeout = 200;
                s.on<"timeout">([](Socket& socket) {
                  socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
                });
              },
};
}

CONFORMANCE_SCENARIO("155_headers_timeout_in_time", HeadersTimeoutInTime) {
  return {.setup = [](http::Server& s) {
    Ok(s);
    s.headersTimeout = 400;
  }};
}

CONFORMANCE_SCENARIO("156_server_timeout_reset_by_data", ServerTimeoutResetByData) {
  return {.setup = [](http::Server& s) {
    Ok(s);
    s.timeout = 300;
  }};
}

CONFORMANCE_SCENARIO("157_res_settimeout", ResSetTimeout) {
  return {.setup = [](http::Server& s) {
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      res.setTimeout(150, [&res] {
        res.statusCode = 503;
        res.end("timed out");
      });
    });
  }};
}

// The request's body never completes: sent twice, the second copy is body bytes.
CONFORMANCE_SCENARIO("158_req_settimeout", ReqSetTimeout) {
  return {.setup =
              [](http::Server& s) {
                s.on<"request">([](IncomingMessage& req, ServerResponse& res) {
                  req.setTimeout(150, [&res] {
                    res.statusCode = 408;
                    res.setHeader("Connection", "close");
                    res.end("body timed out");
                  });
                });
              },
          .pipeline = false};
}

CONFORMANCE_SCENARIO("159_res_timeout_event", ResTimeoutEvent) {
  return {.setup = [](http::Server& s) {
    s.timeout = 150;
    s.on<"request">([](IncomingMessage&, ServerResponse& res) {
      res.on<"timeout">([&res] {
        res.statusCode = 504;
        res.end("late");
      });
    });
  }};
}

// The server stops listening in the first run: no later connection is accepted.
CONFORMANCE_SCENARIO("160_server_close_keeps_connection", ServerCloseKeepsConnection) {
  return {.setup =
              [](http::Server& s) {
                s.on<"request">([&s](IncomingMessage&, ServerResponse& res) {
                  s.close();
                  res.end("closing");
                });
              },
          .split = false,
          .pipeline = false};
}

// handler: echo-request-brief; the _insecure twins run with insecureHTTPParser.
Scenario Parser(bool insecure) {
  Scenario sc{.setup = [](http::Server& s) { EchoRequest(s, true); }};
  sc.options.insecureHTTPParser = insecure;
  return sc;
}

// The server sends exactly response.v20.bin and then closes, as current Node does
// (strict_expect says "close"), but the runner takes `closed` from meta.txt's
// closed=0, which is v12's answer, so it expects the connection to stay open.
// Strict cases: the runner expects current Node's bytes (response.v20.bin), then a close.
Scenario RunnerClosedFlag(Scenario sc) { return sc; }

CONFORMANCE_SCENARIO("161_parser_te_chunked_chunked", ParserTeChunkedChunked) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("162_parser_te_chunked_chunked_insecure", ParserTeChunkedChunkedInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("163_parser_te_folded", ParserTeFolded) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("164_parser_te_folded_insecure", ParserTeFoldedInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("165_parser_bare_lf", ParserBareLf) { return RunnerClosedFlag(Parser(false)); }
CONFORMANCE_SCENARIO("166_parser_bare_lf_insecure", ParserBareLfInsecure) { return Parser(true); }
CONFORMANCE_SCENARIO("167_parser_bare_cr", ParserBareCr) { return Parser(false); }
CONFORMANCE_SCENARIO("168_parser_bare_cr_insecure", ParserBareCrInsecure) { return Parser(true); }
CONFORMANCE_SCENARIO("169_parser_space_before_first_header", ParserSpaceBeforeFirstHeader) {
  return RunnerClosedFlag(Parser(false));
}
// v12 kept the space in the name (" host"): http/parser.cc puts it back.
CONFORMANCE_SCENARIO("170_parser_space_before_first_header_insecure",
                     ParserSpaceBeforeFirstHeaderInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("171_parser_unknown_http_version", ParserUnknownHttpVersion) {
  return RunnerClosedFlag(Parser(false));
}
// llhttp 8.1 refuses HTTP/1.7; v12 accepted any single-digit version: http/parser.cc
// feeds it to llhttp as 1.1 and reports 1.7.
CONFORMANCE_SCENARIO("172_parser_unknown_http_version_insecure", ParserUnknownHttpVersionInsecure) {
  return Parser(true);
}
// Current Node answers HTTP/2.0 in an HTTP/1 request line as 1.x (response.v20.bin).
CONFORMANCE_SCENARIO("173_parser_http_version_2", ParserHttpVersion2) {
  Scenario sc = Parser(false);
  sc.strict = {.why = "RFC 9112 2.3: a major version other than 1 is answered 505",
               .response = "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n\r\n"};
  return sc;
}
CONFORMANCE_SCENARIO("174_parser_http_version_2_insecure", ParserHttpVersion2Insecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("175_parser_cl_and_te", ParserClAndTe) { return Parser(false); }
CONFORMANCE_SCENARIO("176_parser_cl_and_te_insecure", ParserClAndTeInsecure) {
  return Parser(true);
}
// The request is 20 KiB: split at sampled bytes (every byte would take minutes).
CONFORMANCE_SCENARIO("177_parser_huge_chunk_extension", ParserHugeChunkExtension) {
  Scenario sc = RunnerClosedFlag(Parser(false));
  sc.split_sampled = true;
  return sc;
}
CONFORMANCE_SCENARIO("178_parser_huge_chunk_extension_insecure", ParserHugeChunkExtensionInsecure) {
  Scenario sc = Parser(true);
  sc.split_sampled = true;
  return sc;
}
CONFORMANCE_SCENARIO("179_parser_duplicate_content_length", ParserDuplicateContentLength) {
  return Parser(false);
}
CONFORMANCE_SCENARIO("180_parser_duplicate_content_length_insecure",
                     ParserDuplicateContentLengthInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("181_parser_space_before_colon", ParserSpaceBeforeColon) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("182_parser_space_before_colon_insecure", ParserSpaceBeforeColonInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("183_parser_space_in_header_name", ParserSpaceInHeaderName) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("184_parser_space_in_header_name_insecure", ParserSpaceInHeaderNameInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("185_parser_empty_header_name", ParserEmptyHeaderName) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("186_parser_empty_header_name_insecure", ParserEmptyHeaderNameInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("187_parser_header_folded", ParserHeaderFolded) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("188_parser_header_folded_insecure", ParserHeaderFoldedInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("189_parser_bare_lf_after_header", ParserBareLfAfterHeader) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("190_parser_bare_lf_after_header_insecure", ParserBareLfAfterHeaderInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("191_parser_bare_lf_chunk_size", ParserBareLfChunkSize) {
  return Parser(false);
}
CONFORMANCE_SCENARIO("192_parser_bare_lf_chunk_size_insecure", ParserBareLfChunkSizeInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("193_parser_chunk_data_bad_crlf", ParserChunkDataBadCrlf) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("194_parser_chunk_data_bad_crlf_insecure", ParserChunkDataBadCrlfInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("195_parser_missing_host", ParserMissingHost) {
  return RunnerClosedFlag(Parser(false));
}
CONFORMANCE_SCENARIO("196_parser_missing_host_insecure", ParserMissingHostInsecure) {
  return Parser(true);
}
CONFORMANCE_SCENARIO("197_parser_te_not_last_chunked", ParserTeNotLastChunked) {
  return Parser(false);
}
CONFORMANCE_SCENARIO("198_parser_te_not_last_chunked_insecure", ParserTeNotLastChunkedInsecure) {
  return Parser(true);
}

}  // namespace
