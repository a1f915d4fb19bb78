// What went wrong when io_uring could not be set up, in words a user can act on.
#ifndef ENGINE_SETUP_ERROR_H_
#define ENGINE_SETUP_ERROR_H_

#include <string>

namespace engine {

struct SetupError {
  int err = 0;          // negative errno from the failing call
  std::string message;  // names the cause and the fix; one paragraph, no newline at end
};

// Builds the message for a failure of `what` (io_uring_setup, buffer ring
// registration, ...) with negative errno `err`.
SetupError DescribeSetupError(const char* what, int err);

// Prints "error: <message>" to stderr and exits with status 2. For programs that
// cannot run without io_uring; libraries should return the SetupError instead.
[[noreturn]] void DieWithSetupError(const SetupError& error);

}  // namespace engine

#endif  // ENGINE_SETUP_ERROR_H_
