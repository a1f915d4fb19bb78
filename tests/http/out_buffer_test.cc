#include "http/out_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

std::string Join(const std::vector<iovec>& iov) {
  std::string out;
  for (const iovec& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

TEST(OutBuf, CopiesBehindEachOtherShareOneIovec) {
  http::OutBuf out;
  out.Copy("HTTP/1.1 200 OK\r\n\r\n");
  out.Copy("Hello");
  EXPECT_EQ(out.pending_bytes(), 24u);
  std::vector<iovec> iov;
  out.TakePending(&iov);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(Join(iov), "HTTP/1.1 200 OK\r\n\r\nHello");
  EXPECT_TRUE(out.empty());
}

TEST(OutBuf, ShortAdoptedStringsAreCopiedLongOnesKeptInPlace) {
  http::OutBuf out;
  out.Copy("head");
  out.Adopt(std::string("tail"));  // copied: joins the head's iovec
  std::string big(4096, 'x');
  const char* big_bytes = big.data();
  out.Adopt(std::move(big));
  // More adoptions move the stored strings; their heap bytes must stay put.
  for (int i = 0; i < 64; ++i) out.Adopt(std::string(300, static_cast<char>('a' + i % 26)));
  std::vector<iovec> iov;
  out.TakePending(&iov);
  ASSERT_GE(iov.size(), 2u);
  EXPECT_EQ(Join({iov[0]}), "headtail");
  EXPECT_EQ(iov[1].iov_base, big_bytes);
  std::string all = Join(iov);
  EXPECT_EQ(all.size(), 8 + 4096 + 64 * 300u);
  EXPECT_EQ(all.substr(8, 4096), std::string(4096, 'x'));
  EXPECT_EQ(all.substr(8 + 4096 + 63 * 300), std::string(300, 'a' + 63 % 26));
}

TEST(OutBuf, ReferencedBytesAreNotCopied) {
  static const char kBody[] = "static body";
  http::OutBuf out;
  out.Reference(kBody);
  std::vector<iovec> iov;
  out.TakePending(&iov);
  ASSERT_EQ(iov.size(), 1u);
  EXPECT_EQ(iov[0].iov_base, kBody);
}

TEST(OutBuf, ResetKeepsTheLargestSmallBlockForTheNextResponse) {
  http::OutBuf out;
  // Blocks of 1, 2 and 4 times the first for pieces of 3/4 of it: 1, 2 and 5 pieces.
  constexpr size_t kFirst = http::OutBuf::kFirstBlock;
  std::string piece(kFirst * 3 / 4, 'p');
  char* last = nullptr;
  for (int i = 0; i < 8; ++i) {
    last = out.Reserve(piece.size());
    out.Commit(last + piece.size());
  }
  std::vector<iovec> iov;
  out.TakePending(&iov);
  EXPECT_EQ(iov.size(), 3u);  // one per block: pieces in a block are contiguous
  char* biggest = static_cast<char*>(iov.back().iov_base);
  out.Reset();
  EXPECT_TRUE(out.empty());
  // The next response's first bytes, as many as the kept block holds, go into it.
  EXPECT_EQ(out.Reserve(4 * kFirst), biggest);
}

// Found by //benchmarks:soak: 300 pooled responses that had each written 1 MiB at once
// kept 240 MB. A block is as big as one piece; Reset keeps none above 16 KiB.
TEST(OutBuf, ResetKeepsNoBlockLargerThan16KiB) {
  http::OutBuf out;
  out.Copy(std::string(1 << 20, 'x'));
  std::vector<iovec> iov;
  out.TakePending(&iov);
  out.Reset();
  EXPECT_EQ(out.held_bytes(), 0u);
  // Several blocks, none small enough to keep.
  out.Copy(std::string(32 * 1024, 'y'));
  out.Copy(std::string(100 * 1024, 'z'));
  out.TakePending(&iov);
  out.Reset();
  EXPECT_EQ(out.held_bytes(), 0u);
}

// A stream written in pieces keeps only what has not been sent: each piece's storage
// goes once the bytes up to its end have left, whether copied, adopted or shared.
TEST(OutBuf, ReleaseFreesWhatHasBeenSentAndKeepsTheRest) {
  http::OutBuf out;
  std::string piece(64 * 1024, 'c');
  auto shared = std::make_shared<const std::string>(64 * 1024, 's');
  uint64_t pushed = 0;
  uint64_t sent = 0;
  size_t most = 0;
  for (int i = 0; i < 300; ++i) {
    switch (i % 3) {
      case 0: out.Copy(piece); break;
      case 1: out.Adopt(std::string(64 * 1024, 'a')); break;
      case 2: out.Share(shared); break;
    }
    pushed += 64 * 1024;
    std::vector<iovec> iov;
    out.TakePending(&iov);
    // The send of each piece completes one piece later.
    if (pushed > 64 * 1024) {
      sent = pushed - 64 * 1024;
      out.Release(sent);
    }
    most = std::max(most, out.held_bytes());
  }
  EXPECT_LE(most, 4u * 64 * 1024) << "storage grew with the stream";
  EXPECT_EQ(shared.use_count(), 2) << "a shared piece not yet sent is referenced once";
  out.Release(pushed);
  EXPECT_EQ(shared.use_count(), 1);
  EXPECT_LE(out.held_bytes(), http::OutBuf::kMaxBlock) << "more than one block kept";
}

// Bytes not yet sent stay put: releasing what was sent never moves or reuses them.
TEST(OutBuf, ReleaseKeepsBytesNotYetSentInPlace) {
  http::OutBuf out;
  out.Copy("first");
  std::vector<iovec> a;
  out.TakePending(&a);
  out.Copy("second");
  std::vector<iovec> b;
  out.TakePending(&b);
  out.Release(5);  // "first" has left; "second" shares its block and has not
  out.Copy("third");
  std::vector<iovec> c;
  out.TakePending(&c);
  EXPECT_EQ(Join(b), "second");
  EXPECT_EQ(Join(c), "third");
  out.Release(5 + 6 + 5);
  // Everything has left: the block starts over.
  char* again = out.Reserve(4);
  EXPECT_EQ(again, static_cast<char*>(a[0].iov_base));
}

}  // namespace
