#include "http/errors.h"

#include <array>
#include <charconv>
#include <initializer_list>
#include <utility>

namespace http {
namespace {

std::string Concat(std::initializer_list<std::string_view> parts) {
  size_t size = 0;
  for (std::string_view p : parts) size += p.size();
  std::string out;
  out.reserve(size);
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string IntToString(int v) {
  char buf[16];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

// The Linux errno values libuv names, with libuv's description: v12's
// process.binding('uv').getErrorMap() for errno 1..4096, captured from v12.22.9.
// Names are glibc's, except 95, which libuv calls ENOTSUP (glibc: EOPNOTSUPP).
struct UvError {
  int err;
  std::string_view name;
  std::string_view description;
};

constexpr std::array<UvError, 62> kUvErrors = {{
    {1, "EPERM", "operation not permitted"},
    {2, "ENOENT", "no such file or directory"},
    {3, "ESRCH", "no such process"},
    {4, "EINTR", "interrupted system call"},
    {5, "EIO", "i/o error"},
    {6, "ENXIO", "no such device or address"},
    {7, "E2BIG", "argument list too long"},
    {9, "EBADF", "bad file descriptor"},
    {11, "EAGAIN", "resource temporarily unavailable"},
    {12, "ENOMEM", "not enough memory"},
    {13, "EACCES", "permission denied"},
    {14, "EFAULT", "bad address in system call argument"},
    {16, "EBUSY", "resource busy or locked"},
    {17, "EEXIST", "file already exists"},
    {18, "EXDEV", "cross-device link not permitted"},
    {19, "ENODEV", "no such device"},
    {20, "ENOTDIR", "not a directory"},
    {21, "EISDIR", "illegal operation on a directory"},
    {22, "EINVAL", "invalid argument"},
    {23, "ENFILE", "file table overflow"},
    {24, "EMFILE", "too many open files"},
    {25, "ENOTTY", "inappropriate ioctl for device"},
    {26, "ETXTBSY", "text file is busy"},
    {27, "EFBIG", "file too large"},
    {28, "ENOSPC", "no space left on device"},
    {29, "ESPIPE", "invalid seek"},
    {30, "EROFS", "read-only file system"},
    {31, "EMLINK", "too many links"},
    {32, "EPIPE", "broken pipe"},
    {34, "ERANGE", "result too large"},
    {36, "ENAMETOOLONG", "name too long"},
    {38, "ENOSYS", "function not implemented"},
    {39, "ENOTEMPTY", "directory not empty"},
    {40, "ELOOP", "too many symbolic links encountered"},
    {64, "ENONET", "machine is not on the network"},
    {71, "EPROTO", "protocol error"},
    {84, "EILSEQ", "illegal byte sequence"},
    {88, "ENOTSOCK", "socket operation on non-socket"},
    {89, "EDESTADDRREQ", "destination address required"},
    {90, "EMSGSIZE", "message too long"},
    {91, "EPROTOTYPE", "protocol wrong type for socket"},
    {92, "ENOPROTOOPT", "protocol not available"},
    {93, "EPROTONOSUPPORT", "protocol not supported"},
    {95, "ENOTSUP", "operation not supported on socket"},
    {97, "EAFNOSUPPORT", "address family not supported"},
    {98, "EADDRINUSE", "address already in use"},
    {99, "EADDRNOTAVAIL", "address not available"},
    {100, "ENETDOWN", "network is down"},
    {101, "ENETUNREACH", "network is unreachable"},
    {103, "ECONNABORTED", "software caused connection abort"},
    {104, "ECONNRESET", "connection reset by peer"},
    {105, "ENOBUFS", "no buffer space available"},
    {106, "EISCONN", "socket is already connected"},
    {107, "ENOTCONN", "socket is not connected"},
    {108, "ESHUTDOWN", "cannot send after transport endpoint shutdown"},
    {110, "ETIMEDOUT", "connection timed out"},
    {111, "ECONNREFUSED", "connection refused"},
    {112, "EHOSTDOWN", "host is down"},
    {113, "EHOSTUNREACH", "host is unreachable"},
    {114, "EALREADY", "connection already in progress"},
    {121, "EREMOTEIO", "remote I/O error"},
    {125, "ECANCELED", "operation canceled"},
}};

const UvError* FindUvError(int err) {
  int positive = err < 0 ? -err : err;
  for (const UvError& e : kUvErrors) {
    if (e.err == positive) return &e;
  }
  return nullptr;
}

// util.getSystemErrorName, as errnoException and exceptionWithHostPort use it.
std::string SystemErrorName(int err) {
  if (const UvError* e = FindUvError(err)) return std::string(e->name);
  return "Unknown system error " + IntToString(err < 0 ? err : -err);
}

// " <address>:<port>", " <address>" or nothing, as v12's *WithHostPort build it.
std::string HostPortDetails(std::string_view address, int port) {
  if (port > 0) return Concat({" ", address, ":", IntToString(port)});
  if (!address.empty()) return Concat({" ", address});
  return {};
}

}  // namespace

Error::Error(ErrorType type, std::string_view code, std::string_view message)
    : Error(type, message, Detail{std::string(code), {}, {}, 0}) {}

Error::Error(ErrorType type, std::string_view message, Detail detail)
    : std::runtime_error(std::string(message)),
      type_(type),
      detail_(std::make_shared<const Detail>(std::move(detail))) {}

std::string_view Error::code() const noexcept { return detail_->code; }
std::string_view Error::syscall() const noexcept { return detail_->syscall; }
std::string_view Error::address() const noexcept { return detail_->address; }
int Error::port() const noexcept { return detail_->port; }

std::string_view Error::name() const noexcept {
  switch (type_) {
    case ErrorType::kTypeError:
      return "TypeError";
    case ErrorType::kRangeError:
      return "RangeError";
    case ErrorType::kError:
      break;
  }
  return "Error";
}

std::string Error::ToString() const {
  // Node's internal errors (the ERR_* codes) carry the code in their name.
  if (code().starts_with("ERR_")) return Concat({name(), " [", code(), "]: ", message()});
  return Concat({name(), ": ", message()});
}

Error Error::HeadersSent(std::string_view action) {
  return Error(ErrorType::kError, "ERR_HTTP_HEADERS_SENT",
               Concat({"Cannot ", action, " headers after they are sent to the client"}));
}

Error Error::InvalidHttpToken(std::string_view what, std::string_view token) {
  return Error(ErrorType::kTypeError, "ERR_INVALID_HTTP_TOKEN",
               Concat({what, " must be a valid HTTP token [\"", token, "\"]"}));
}

Error Error::InvalidChar(std::string_view what) {
  return Error(ErrorType::kTypeError, "ERR_INVALID_CHAR", Concat({"Invalid character in ", what}));
}

Error Error::InvalidChar(std::string_view what, std::string_view field) {
  return Error(ErrorType::kTypeError, "ERR_INVALID_CHAR",
               Concat({"Invalid character in ", what, " [\"", field, "\"]"}));
}

Error Error::InvalidHeaderValue(std::string_view value, std::string_view name) {
  return Error(ErrorType::kTypeError, "ERR_HTTP_INVALID_HEADER_VALUE",
               Concat({"Invalid value \"", value, "\" for header \"", name, "\""}));
}

Error Error::InvalidStatusCode(int code) { return InvalidStatusCode(IntToString(code)); }

Error Error::InvalidStatusCode(std::string_view original) {
  return Error(ErrorType::kRangeError, "ERR_HTTP_INVALID_STATUS_CODE",
               Concat({"Invalid status code: ", original}));
}

Error Error::TrailerInvalid() {
  return Error(ErrorType::kError, "ERR_HTTP_TRAILER_INVALID",
               "Trailers are invalid with this transfer encoding");
}

Error Error::WriteAfterEnd() {
  return Error(ErrorType::kError, "ERR_STREAM_WRITE_AFTER_END", "write after end");
}

Error Error::StreamDestroyed(std::string_view method) {
  return Error(ErrorType::kError, "ERR_STREAM_DESTROYED",
               Concat({"Cannot call ", method, " after a stream was destroyed"}));
}

Error Error::CannotPipe() {
  return Error(ErrorType::kError, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable");
}

Error Error::ServerNotRunning() {
  return Error(ErrorType::kError, "ERR_SERVER_NOT_RUNNING", "Server is not running.");
}

Error Error::MethodNotImplemented(std::string_view method) {
  return Error(ErrorType::kError, "ERR_METHOD_NOT_IMPLEMENTED",
               Concat({"The ", method, " method is not implemented"}));
}

Error Error::InvalidArgType(std::string_view name, std::string_view expected,
                            std::string_view received) {
  std::string subject;
  if (name.ends_with(" argument")) {
    subject = std::string(name);
  } else {
    std::string_view kind = name.find('.') != std::string_view::npos ? "property" : "argument";
    subject = Concat({"\"", name, "\" ", kind});
  }
  return Error(ErrorType::kTypeError, "ERR_INVALID_ARG_TYPE",
               Concat({"The ", subject, " must be ", expected, ". Received ", received}));
}

Error Error::UnescapedCharacters(std::string_view what) {
  return Error(ErrorType::kTypeError, "ERR_UNESCAPED_CHARACTERS",
               Concat({what, " contains unescaped characters"}));
}

Error Error::InvalidProtocol(std::string_view protocol, std::string_view expected) {
  return Error(ErrorType::kTypeError, "ERR_INVALID_PROTOCOL",
               Concat({"Protocol \"", protocol, "\" not supported. Expected \"", expected, "\""}));
}

Error Error::InvalidUrl(std::string_view input) {
  return Error(ErrorType::kTypeError, "ERR_INVALID_URL", Concat({"Invalid URL: ", input}));
}

Error Error::ConnReset(std::string_view message) {
  return Error(ErrorType::kError, "ECONNRESET", message);
}

Error Error::ErrnoException(int err, std::string_view syscall, std::string_view original) {
  std::string code = SystemErrorName(err);
  std::string message =
      original.empty() ? Concat({syscall, " ", code}) : Concat({syscall, " ", code, " ", original});
  return Error(ErrorType::kError, message, Detail{std::move(code), std::string(syscall), {}, 0});
}

Error Error::ExceptionWithHostPort(int err, std::string_view syscall, std::string_view address,
                                   int port) {
  std::string code = SystemErrorName(err);
  std::string message = Concat({syscall, " ", code, HostPortDetails(address, port)});
  return Error(ErrorType::kError, message,
               Detail{std::move(code), std::string(syscall), std::string(address), port});
}

Error Error::UvExceptionWithHostPort(int err, std::string_view syscall, std::string_view address,
                                     int port) {
  const UvError* uv = FindUvError(err);
  std::string_view code = uv != nullptr ? uv->name : "UNKNOWN";
  std::string_view description = uv != nullptr ? uv->description : "unknown error";
  std::string message =
      Concat({syscall, " ", code, ": ", description, HostPortDetails(address, port)});
  return Error(ErrorType::kError, message,
               Detail{std::string(code), std::string(syscall), std::string(address), port});
}

Error Error::ParseError(std::string_view code, std::string_view reason) {
  return Error(ErrorType::kError, code, Concat({"Parse Error: ", reason}));
}

}  // namespace http
