// examples/get against the project's own server: the status line, the headers as
// received and the body on stdout, exit status 0; an error on stderr, status 1. The
// binary comes from the runfiles.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/http/client_util.h"

namespace {

std::string GetPath() {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
         "/examples/get";
}

// Runs `get url` (stderr to stdout when `both`), returning its output and status.
std::string RunGet(const std::string& url, int* status, bool both = false) {
  std::string cmd = GetPath() + " '" + url + "'" + (both ? " 2>&1" : " 2>/dev/null");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

TEST(GetExample, PrintsTheStatusLineHeadersAndBody) {
  http_test::TestServer srv([](http::IncomingMessage&, http::ServerResponse& res) {
    res.setHeader("X-Test", "1");
    res.sendDate = false;
    res.end("hello");
  });
  int status = -1;
  std::string out = RunGet("http://127.0.0.1:" + std::to_string(srv.port()) + "/", &status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nX-Test: 1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
}

TEST(GetExample, AnErrorGoesToStderrWithStatus1) {
  int status = -1;
  std::string out = RunGet("http://127.0.0.1:" + std::to_string(http_test::UnusedPort()) + "/",
                        &status, true);
  EXPECT_EQ(status, 1);
  EXPECT_NE(out.find("ECONNREFUSED"), std::string::npos) << out;
}

}  // namespace
