// OutBuf: the bytes a response (or a socket) has produced and not yet handed to the
// engine, as iovecs over storage that stays put until those bytes are sent.
//
// Copied bytes go into blocks (each twice the size of the last, up to kMaxBlock, or
// as big as one piece); adopted strings are kept (a short one is copied instead);
// shared strings are referenced; referenced bytes are the caller's. A piece copied
// right behind the previous one in the same block extends its iovec, so a response
// head and a small body leave as one iovec.
// Life of the storage: every byte pushed has an offset in the buffer's stream. Once
// the first `sent` bytes of the stream have been sent, Release(sent) frees what holds
// only those: a block (or reuses it, when it is the last one), an adopted string, a
// shared reference. So a long response keeps only what is not yet sent, plus one
// block. Reset() frees everything but one block of at most 16 KiB, for the next
// response.
// Loop-thread only.
#ifndef HTTP_OUT_BUFFER_H_
#define HTTP_OUT_BUFFER_H_

#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

class OutBuf {
 public:
  // A response head with a small body fits the first block; a peer that pipelines
  // and does not read holds up to ServerConnection::kMaxLive responses, each with one.
  static constexpr size_t kFirstBlock = 512;
  static constexpr size_t kMaxBlock = 64 * 1024;

  void Copy(std::string_view bytes);
  // Space for up to n bytes to be written in place and then Commit()ted.
  char* Reserve(size_t n);
  void Commit(char* end);
  void Adopt(std::string&& bytes);
  void Reference(std::string_view bytes);  // must outlive the send
  // Sends *bytes itself (no copy), holding a reference until those bytes are sent.
  void Share(std::shared_ptr<const std::string> bytes);

  bool empty() const { return pending_.empty(); }
  size_t pending_bytes() const { return pending_bytes_; }
  // Moves the pending iovecs out (into a send); their storage stays until Release().
  void TakePending(std::vector<iovec>* out);
  // The first `sent` bytes of the stream have left: frees the storage of those only.
  void Release(uint64_t sent);
  // Frees everything but one block of at most 16 KiB (so that a pooled response holds
  // no more, whatever it wrote before). Only once no send uses the storage.
  void Reset();
  // Bytes of storage held (blocks, adopted and shared strings), for tests.
  size_t held_bytes() const;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
    size_t used;
    uint64_t end;  // stream offset just past its last byte
  };
  void Push(const char* p, size_t n);

  // Oldest first. (Vectors: a response has one block as a rule, and few pieces
  // in flight; Release erases from the front.)
  std::vector<Block> blocks_;
  // Adopted strings are all longer than any short-string buffer, so their bytes are
  // on the heap and stay put when the container moves them. Each with its end offset.
  std::vector<std::pair<uint64_t, std::string>> adopted_;
  std::vector<std::pair<uint64_t, std::shared_ptr<const std::string>>> shared_;
  std::vector<iovec> pending_;
  size_t pending_bytes_ = 0;
  uint64_t pushed_ = 0;  // bytes pushed since Reset(): the stream's length
};

}  // namespace http

#endif  // HTTP_OUT_BUFFER_H_
