#include "http/outgoing_headers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "http/errors.h"

// Counts heap allocations, to hold OutgoingHeaders to its allocation budget.
// (GCC flags free() of memory from operator new once it inlines these; they pair up.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace http {
namespace {

std::string Serialize(const OutgoingHeaders& h) {
  std::string out(h.SerializedSize(), '\0');
  char* end = h.SerializeTo(out.data());
  EXPECT_EQ(static_cast<size_t>(end - out.data()), out.size());
  return out;
}

std::vector<std::string> ValuesOf(const OutgoingHeaders::Entry* e) {
  if (e == nullptr) return {"<absent>"};
  return {e->values.begin(), e->values.end()};
}

using Strings = std::vector<std::string>;

// The v12 script (res is a ServerResponse, sendDate = false):
//   res.setHeader('X-A', '1'); res.setHeader('x-b', '2'); res.setHeader('X-C', '3');
//   res.setHeader('X-B', 'two'); res.setHeader('x-a', ['a1', 'a2']);
//   res.removeHeader('X-C'); res.setHeader('x-c', '3again');
//   res.setHeader('10', 'ten'); res.setHeader('2', 'two'); res.setHeader('01', 'zero-one');
//   res.setHeader('Cookie', ['c1', 'c2']); res.setHeader('Set-Cookie', ['s1', 's2']);
//   res.setHeader('X-Empty', []); res.setHeader('X-One', ['only']);
//   res.setHeader('X-Blank', ''); res.setHeader('4294967295', 'maxidx');
//   res.setHeader('4294967294', 'idx');
void RunV12Script(OutgoingHeaders& h) {
  h.set("X-A", "1");
  h.set("x-b", "2");
  h.set("X-C", "3");
  h.set("X-B", "two");
  h.set("x-a", {"a1", "a2"});
  h.remove("X-C");
  h.set("x-c", "3again");
  h.set("10", "ten");
  h.set("2", "two");
  h.set("01", "zero-one");
  h.set("Cookie", {"c1", "c2"});
  h.set("Set-Cookie", {"s1", "s2"});
  h.set("X-Empty", {});
  h.set("X-One", {"only"});
  h.set("X-Blank", "");
  h.set("4294967295", "maxidx");
  h.set("4294967294", "idx");
}

// v12's res.getHeaderNames() after the script.
const Strings kV12Names = {"2",     "10",      "4294967294", "x-a",        "x-b",
                           "x-c",   "01",      "cookie",     "set-cookie", "x-empty",
                           "x-one", "x-blank", "4294967295"};
// The header lines v12 wrote for it (between the status line and its own
// Connection / Content-Length lines).
constexpr std::string_view kV12Lines =
    "2: two\r\n10: ten\r\n4294967294: idx\r\nx-a: a1\r\nx-a: a2\r\nX-B: two\r\n"
    "x-c: 3again\r\n01: zero-one\r\nCookie: c1; c2\r\nSet-Cookie: s1\r\nSet-Cookie: s2\r\n"
    "X-One: only\r\nX-Blank: \r\n4294967295: maxidx\r\n";

TEST(OutgoingHeaders, ReproducesV12OrderSpellingAndLinesForTheSameCalls) {
  OutgoingHeaders h;
  RunV12Script(h);
  EXPECT_EQ(h.names(), kV12Names);
  EXPECT_EQ(Serialize(h), kV12Lines);
}

TEST(OutgoingHeaders, LookupIgnoresCase) {
  OutgoingHeaders h;
  h.set("Content-Type", "text/plain");
  ASSERT_NE(h.get("content-type"), nullptr);
  EXPECT_EQ(h.get("CONTENT-TYPE")->name, "Content-Type");
  EXPECT_EQ(ValuesOf(h.get("cOnTeNt-TyPe")), Strings{"text/plain"});
  EXPECT_TRUE(h.has("content-TYPE"));
  EXPECT_FALSE(h.has("content-typ"));
  EXPECT_EQ(h.get("Content-Length"), nullptr);
}

TEST(OutgoingHeaders, ReplacingKeepsPositionAndTakesNewSpelling) {
  OutgoingHeaders h;
  h.set("X-First", "1");
  h.set("x-second", "2");
  h.set("X-Third", "3");
  h.set("X-SECOND", "a much longer value than before");
  EXPECT_EQ(h.names(), (Strings{"x-first", "x-second", "x-third"}));
  EXPECT_EQ(h.get("x-second")->name, "X-SECOND");
  EXPECT_EQ(Serialize(h),
            "X-First: 1\r\nX-SECOND: a much longer value than before\r\nX-Third: 3\r\n");
  h.set("x-second", "s");
  EXPECT_EQ(Serialize(h), "X-First: 1\r\nx-second: s\r\nX-Third: 3\r\n");
  EXPECT_EQ(h.size(), 3u);
}

TEST(OutgoingHeaders, RemoveThenSetMovesToTheEnd) {
  OutgoingHeaders h;
  h.set("A", "1");
  h.set("B", "2");
  h.set("C", "3");
  EXPECT_TRUE(h.remove("a"));
  EXPECT_FALSE(h.remove("a"));
  EXPECT_FALSE(h.has("A"));
  h.set("a", "again");
  EXPECT_EQ(Serialize(h), "B: 2\r\nC: 3\r\na: again\r\n");
  EXPECT_TRUE(h.remove("C"));
  EXPECT_EQ(Serialize(h), "B: 2\r\na: again\r\n");
  EXPECT_EQ(ValuesOf(h.get("b")), Strings{"2"});
  EXPECT_EQ(ValuesOf(h.get("A")), Strings{"again"});
}

TEST(OutgoingHeaders, ArraysRenderOneLinePerValue) {
  OutgoingHeaders h;
  h.set("Set-Cookie", {"a=1; Path=/", "b=2", ""});
  const auto* e = h.get("set-cookie");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->is_array);
  EXPECT_EQ(e->values.size(), 3u);
  EXPECT_EQ(e->values[1], "b=2");
  EXPECT_EQ(e->values.bytes(), 14u);
  EXPECT_EQ(Serialize(h), "Set-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nSet-Cookie: \r\n");
}

TEST(OutgoingHeaders, CookieWithTwoOrMoreValuesRendersJoined) {
  OutgoingHeaders h;
  h.set("cookie", {"a=1", "b=2", "c=3"});
  EXPECT_EQ(Serialize(h), "cookie: a=1; b=2; c=3\r\n");
  h.set("COOKIE", {"only"});
  EXPECT_EQ(Serialize(h), "COOKIE: only\r\n");
  h.set("Cookies", {"a", "b"});
  EXPECT_EQ(Serialize(h), "COOKIE: only\r\nCookies: a\r\nCookies: b\r\n");
}

TEST(OutgoingHeaders, EmptyArrayIsPresentButRendersNothing) {
  OutgoingHeaders h;
  h.set("X-Empty", {});
  ASSERT_TRUE(h.has("x-empty"));
  EXPECT_TRUE(h.get("x-empty")->values.empty());
  EXPECT_TRUE(h.get("x-empty")->is_array);
  EXPECT_EQ(h.SerializedSize(), 0u);
  EXPECT_EQ(h.names(), Strings{"x-empty"});
}

TEST(OutgoingHeaders, PlainValueIsNotAnArray) {
  OutgoingHeaders h;
  h.set("X", "v");
  EXPECT_FALSE(h.get("x")->is_array);
  h.set("X", std::vector<std::string>{"v"});
  EXPECT_TRUE(h.get("x")->is_array);
  std::vector<std::string_view> views = {"p", "q"};
  h.set("Y", views);
  EXPECT_EQ(ValuesOf(h.get("y")), (Strings{"p", "q"}));
}

// 131_get_headers_api: v12's getHeaders() gives {"x-num":5} for setHeader('X-Num', 5).
TEST(OutgoingHeaders, IntegerValueRendersItsDigitsAndIsRememberedAsANumber) {
  OutgoingHeaders h;
  h.set("X-Num", int64_t{-42});
  ASSERT_NE(h.get("x-num"), nullptr);
  EXPECT_TRUE(h.get("x-num")->is_number);
  EXPECT_FALSE(h.get("x-num")->is_array);
  EXPECT_EQ(ValuesOf(h.get("x-num")), Strings{"-42"});
  EXPECT_EQ(Serialize(h), "X-Num: -42\r\n");
  OutgoingHeaders copy(h);
  EXPECT_TRUE(copy.get("x-num")->is_number);
  h.set("x-num", "42");
  EXPECT_FALSE(h.get("X-Num")->is_number);
  EXPECT_THROW(h.set("Bad Name", int64_t{1}), http::Error);
}

TEST(OutgoingHeaders, ArrayIndexNamesSortFirstInNumericOrder) {
  OutgoingHeaders h;
  h.set("X", "x");
  h.set("7", "seven");
  h.set("007", "not an index");
  h.set("0", "zero");
  h.set("4294967294", "largest index");
  h.set("4294967295", "not an index");
  h.set("12", "twelve");
  h.set("7", "seven again");
  EXPECT_EQ(h.names(), (Strings{"0", "7", "12", "4294967294", "x", "007", "4294967295"}));
}

TEST(OutgoingHeaders, InvalidNameOrValueThrowsAndLeavesStoreUnchanged) {
  OutgoingHeaders h;
  h.set("A", "1");
  std::string before = Serialize(h);
  try {
    h.set("bad name", "x");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_HTTP_TOKEN");
    EXPECT_EQ(e.message(), "Header name must be a valid HTTP token [\"bad name\"]");
  }
  try {
    h.set("X-A", {"ok", "a\rb"});
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_CHAR");
    EXPECT_EQ(e.message(), "Invalid character in header content [\"X-A\"]");
  }
  try {
    h.set("A", "new\nvalue");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_INVALID_CHAR");
    EXPECT_EQ(e.message(), "Invalid character in header content [\"A\"]");
  }
  EXPECT_THROW(h.set("", "x"), Error);
  EXPECT_EQ(Serialize(h), before);
  EXPECT_EQ(h.size(), 1u);
}

TEST(OutgoingHeaders, SettingFromItsOwnViewsCopiesThemFirst) {
  OutgoingHeaders h;
  h.set("Source", std::string(300, 's'));  // past the inline space: the next set moves it
  const OutgoingHeaders::Entry* src = h.get("source");
  h.set(src->name, {src->values[0], src->values[0]});
  h.set("Copy", h.get("source")->values[1]);
  EXPECT_EQ(ValuesOf(h.get("source")), (Strings{std::string(300, 's'), std::string(300, 's')}));
  EXPECT_EQ(ValuesOf(h.get("copy")), Strings{std::string(300, 's')});
}

TEST(OutgoingHeaders, GrowsPastInlineSpaceKeepingEveryHeader) {
  OutgoingHeaders h;
  std::vector<std::pair<std::string, std::string>> want;
  for (int i = 0; i < 200; ++i) {
    std::string name = "X-Header-" + std::to_string(i);
    std::string value(static_cast<size_t>(i * 7 % 97), static_cast<char>('a' + i % 26));
    h.set(name, value);
    want.emplace_back(name, value);
  }
  ASSERT_EQ(h.size(), want.size());
  std::string expected;
  size_t i = 0;
  for (const auto& e : h) {
    EXPECT_EQ(e.name, want[i].first);
    EXPECT_EQ(ValuesOf(&e), Strings{want[i].second});
    expected += want[i].first + ": " + want[i].second + "\r\n";
    ++i;
  }
  EXPECT_EQ(Serialize(h), expected);
}

// A reference model (vector of name/values, v12's rules minus array-index names)
// against random set/remove sequences, which also splice regions of every size.
TEST(OutgoingHeaders, MatchesAReferenceModelUnderRandomEdits) {
  std::mt19937 rng(7);
  const char* names[] = {"A", "b", "Cc", "dD", "Set-Cookie", "X-Long-Header-Name"};
  for (int round = 0; round < 200; ++round) {
    OutgoingHeaders h;
    std::vector<std::pair<std::string, Strings>> model;
    auto find = [&model](std::string_view n) {
      for (size_t i = 0; i < model.size(); ++i) {
        if (strcasecmp(model[i].first.c_str(), std::string(n).c_str()) == 0) return i;
      }
      return model.size();
    };
    for (int step = 0; step < 60; ++step) {
      std::string name = names[rng() % 6];
      if (rng() % 2) name[0] = static_cast<char>(tolower(name[0]));
      if (rng() % 4 == 0) {
        size_t i = find(name);
        EXPECT_EQ(h.remove(name), i < model.size());
        if (i < model.size()) model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      Strings values(rng() % 4);
      for (auto& v : values) v = std::string(rng() % 150, static_cast<char>('a' + rng() % 26));
      h.set(name, values);
      size_t i = find(name);
      if (i < model.size()) {
        model[i] = {name, values};
      } else {
        model.emplace_back(name, values);
      }
    }
    ASSERT_EQ(h.size(), model.size());
    size_t i = 0;
    for (const auto& e : h) {
      EXPECT_EQ(e.name, model[i].first);
      EXPECT_EQ(ValuesOf(&e), model[i].second);
      ++i;
    }
  }
}

TEST(OutgoingHeaders, CopyAndMoveKeepContentsAndDetachFromSource) {
  for (size_t value_size : {5u, 400u}) {  // inline, then heap
    OutgoingHeaders a;
    a.set("A", std::string(value_size, 'a'));
    a.set("B", {"1", "2"});
    OutgoingHeaders copy(a);
    a.set("A", "changed");
    EXPECT_EQ(ValuesOf(copy.get("a")), Strings{std::string(value_size, 'a')});
    OutgoingHeaders moved(std::move(copy));
    EXPECT_EQ(ValuesOf(moved.get("b")), (Strings{"1", "2"}));
    EXPECT_EQ(copy.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
    OutgoingHeaders assigned;
    assigned.set("Z", "z");
    assigned = moved;
    EXPECT_EQ(Serialize(assigned), Serialize(moved));
    assigned = std::move(moved);
    EXPECT_EQ(ValuesOf(assigned.get("a")), Strings{std::string(value_size, 'a')});
    EXPECT_EQ(assigned.names(), (Strings{"a", "b"}));
  }
}

TEST(OutgoingHeaders, ClearEmptiesTheStoreForReuse) {
  OutgoingHeaders h;
  RunV12Script(h);
  h.clear();
  EXPECT_EQ(h.size(), 0u);
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.has("x-a"));
  EXPECT_EQ(h.SerializedSize(), 0u);
  h.set("A", "1");
  EXPECT_EQ(Serialize(h), "A: 1\r\n");
}

TEST(OutgoingHeaders, TypicalResponseHeadersAllocateNothing) {
  OutgoingHeaders h;
  char out[512];
  size_t before = g_allocations.load();
  h.set("Content-Type", "text/html; charset=utf-8");
  h.set("Content-Length", "1234");
  h.set("Cache-Control", "no-store, no-cache, must-revalidate");
  h.set("Set-Cookie", {"session=abcdef0123456789; Path=/; HttpOnly", "theme=dark"});
  bool has = h.has("content-length") && h.get("CONTENT-TYPE") != nullptr;
  h.set("Content-Length", "99");
  h.remove("cache-control");
  char* end = h.SerializeTo(out);
  size_t after = g_allocations.load();
  EXPECT_TRUE(has);
  EXPECT_GT(end, out);
  EXPECT_EQ(after - before, 0u);
}

TEST(OutgoingHeaders, ManyHeadersAllocateLogarithmically) {
  OutgoingHeaders h;
  size_t before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) h.set("X-H" + std::to_string(i), "value");
  size_t after = g_allocations.load();
  // Two doubling arrays (entries: 8 -> 1024, bytes: 256 -> ~16K); the names
  // built for the calls themselves fit std::string's inline buffer. At least two
  // growths must show, which also proves the counter sees the store's allocations.
  EXPECT_GE(after - before, 2u);
  EXPECT_LE(after - before, 20u);
}

}  // namespace
}  // namespace http
