// soak_client's response reader: takes a response's bytes as they arrive, in pieces of
// any size, and checks them against what the request must get back: the status, the
// framing (Content-Length or chunked, with or without trailers) and every byte of the
// body, without keeping the body. No engine code: it checks the engine from outside.
#ifndef BENCHMARKS_SOAK_READER_H_
#define BENCHMARKS_SOAK_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace soak {

class ResponseReader {
 public:
  // Expects a response whose body is `literal` (when not null; it must outlive the
  // response), else SoakByte(seed, 0 .. length-1).
  void Start(const std::string* literal, uint64_t seed, uint64_t length);

  // Consumes bytes up to the end of the response; returns how many. Stops early, with
  // failed() set, at the first byte that is wrong.
  size_t Feed(const char* p, size_t n);

  bool done() const { return state_ == State::kDone; }
  bool failed() const { return !error_.empty(); }
  // What was wrong ("body byte 17 of 40 is 'x', expected 'q'", ...).
  const std::string& error() const { return error_; }
  int status() const { return status_; }
  bool said_close() const { return close_; }  // the response had Connection: close
  bool head_done() const { return state_ != State::kHead; }
  uint64_t body_bytes() const { return offset_; }

 private:
  enum class State { kHead, kLength, kSize, kData, kDataEnd, kTrailers, kDone };

  bool ParseHead();
  bool Body(const char* p, size_t n);
  bool Fail(std::string why);
  void Finish();

  State state_ = State::kDone;
  const std::string* literal_ = nullptr;
  uint64_t seed_ = 0;
  uint64_t expected_ = 0;
  uint64_t offset_ = 0;     // body bytes checked so far
  uint64_t remaining_ = 0;  // of the Content-Length body, or of the current chunk
  int status_ = 0;
  bool close_ = false;
  std::string line_;  // the head, or the current chunk-size or trailer line
  std::string error_;
};

}  // namespace soak

#endif  // BENCHMARKS_SOAK_READER_H_
