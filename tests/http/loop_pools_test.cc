#include "http/loop_pools.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/server.h"

namespace {

// Records which events a parser reports to it.
struct Events : http::ParserEvents {
  http::MessageHead head;
  std::vector<std::string> urls;
  http::MessageHead* OnMessageBegin() override {
    head.Clear();
    return &head;
  }
  void OnRetainInput() override {}
  int OnHeadersComplete(http::MessageHead& h) override {
    urls.emplace_back(h.url);
    return 0;
  }
  void OnBody(std::string_view) override {}
  void OnMessageComplete(http::MessageHead&) override {}
};

TEST(LoopPools, GivenBackObjectsAreLentAgain) {
  http::Server server(http::ServerOptions{});
  http::LoopPools pools(&server);
  http::Exchange* ex = pools.TakeExchange();
  ASSERT_NE(ex->req, nullptr);
  ASSERT_NE(ex->res, nullptr);
  pools.Give(ex);
  EXPECT_EQ(pools.TakeExchange(), ex);
  pools.Give(ex);

  http::SendBatch* b = pools.TakeBatch();
  b->iov.push_back(iovec{nullptr, 1});
  pools.Give(b);
  http::SendBatch* again = pools.TakeBatch();
  EXPECT_EQ(again, b);
  EXPECT_TRUE(again->iov.empty());  // cleared on the way back
  pools.Give(again);
}

TEST(LoopPools, ExchangesComeFromTheServersFactories) {
  struct Tagged : http::IncomingMessage {};
  http::ServerOptions options;
  options.IncomingMessage = [] { return std::make_unique<Tagged>(); };
  http::Server server(std::move(options));
  http::LoopPools pools(&server);
  http::Exchange* ex = pools.TakeExchange();
  EXPECT_NE(dynamic_cast<Tagged*>(ex->req.get()), nullptr);
  pools.Give(ex);
}

// A parser given back mid-message (its connection closed) is lent to another
// connection as new: reporting to the new events, at the start of a message, and
// with its copies counted into the pool's total.
TEST(LoopPools, AParserIsLentAgainAsNewAndItsCopiesAreCounted) {
  http::Server server(http::ServerOptions{});
  http::LoopPools pools(&server);
  Events a;
  http::Parser* p = pools.TakeParser(&a);
  ASSERT_EQ(p->Execute("GET /fir").error, 0);
  ASSERT_EQ(p->Execute("st HTTP/1.1\r\nHost: x\r\n\r\n").error, 0);  // URL split: copied
  ASSERT_EQ(a.urls, std::vector<std::string>{"/first"});
  ASSERT_EQ(p->Execute("GET /half").error, 0);  // left mid-message
  // "/first" (cut between two inputs) and "/half" (open when the input ended).
  uint64_t copied = p->copied_bytes();
  EXPECT_EQ(copied, 11u);
  pools.Give(p);
  EXPECT_EQ(pools.copied_bytes(), copied);

  Events b;
  http::Parser* q = pools.TakeParser(&b);
  EXPECT_EQ(q, p);
  EXPECT_EQ(q->copied_bytes(), 0u);
  ASSERT_EQ(q->Execute("GET /second HTTP/1.1\r\nHost: x\r\n\r\n").error, 0);
  EXPECT_EQ(b.urls, std::vector<std::string>{"/second"});
  EXPECT_EQ(a.urls.size(), 1u);
  pools.Give(q);
}

}  // namespace
