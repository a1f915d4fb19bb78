// OutBuf: the bytes a response has produced and not yet handed to the engine, as
// iovecs over storage that never moves.
//
// Copied bytes go into blocks (each twice the size of the last) that are kept until
// Reset(), which keeps one for the next response; adopted strings are kept
// (a short one is copied instead); referenced bytes are the caller's. A piece
// copied right behind the previous one in the same block extends its iovec, so a
// response head and a small body leave as one iovec. Loop-thread only.
#ifndef HTTP_OUT_BUFFER_H_
#define HTTP_OUT_BUFFER_H_

#include <sys/uio.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace http {

class OutBuf {
 public:
  void Copy(std::string_view bytes);
  // Space for up to n bytes to be written in place and then Commit()ted.
  char* Reserve(size_t n);
  void Commit(char* end);
  void Adopt(std::string&& bytes);
  void Reference(std::string_view bytes);  // must outlive the send
  // Sends *bytes itself (no copy), holding a reference until Reset().
  void Share(std::shared_ptr<const std::string> bytes);

  bool empty() const { return pending_.empty(); }
  size_t pending_bytes() const { return pending_bytes_; }
  // Moves the pending iovecs out (into a send); their storage stays until Reset().
  void TakePending(std::vector<iovec>* out);
  // Frees everything but the first block. Only once no send uses the storage.
  void Reset();

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
    size_t used;
  };
  void Push(const char* p, size_t n);

  std::vector<Block> blocks_;
  // Adopted strings are all longer than any short-string buffer, so their bytes are
  // on the heap and stay put when the vector moves them.
  std::vector<std::string> adopted_;
  std::vector<std::shared_ptr<const std::string>> shared_;
  std::vector<iovec> pending_;
  size_t pending_bytes_ = 0;
};

}  // namespace http

#endif  // HTTP_OUT_BUFFER_H_
