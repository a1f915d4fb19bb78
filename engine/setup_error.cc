#include "engine/setup_error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace engine {
namespace {

// kernel.io_uring_disabled: 0 allowed, 1 only for members of io_uring_group (and
// root), 2 disabled for everyone.
int ReadIoUringDisabled() {
  FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "re");
  if (f == nullptr) return -1;
  int value = -1;
  if (std::fscanf(f, "%d", &value) != 1) value = -1;
  std::fclose(f);
  return value;
}

}  // namespace

SetupError DescribeSetupError(const char* what, int err) {
  std::string cause;
  switch (-err) {
    case ENOSYS:
      cause =
          "this kernel has no io_uring (ENOSYS). The engine needs Linux 6.0 or newer "
          "built with CONFIG_IO_URING=y; on a container or sandbox that hides the "
          "syscall, allow io_uring_setup, io_uring_enter and io_uring_register";
      break;
    case EPERM: {
      int disabled = ReadIoUringDisabled();
      if (disabled > 0) {
        cause = "io_uring is disabled by sysctl kernel.io_uring_disabled=" +
                std::to_string(disabled) +
                " (EPERM). Set it to 0 (sysctl -w kernel.io_uring_disabled=0), or "
                "with 1 add this user to the group named by "
                "kernel.io_uring_group";
      } else {
        cause =
            "io_uring is blocked by a seccomp profile or security policy (EPERM). "
            "Container runtimes block it by default: run with a seccomp profile "
            "that allows io_uring_setup, io_uring_enter and io_uring_register "
            "(e.g. docker run --security-opt seccomp=<profile>), or check "
            "sysctl kernel.io_uring_disabled";
      }
      break;
    }
    case ENOMEM:
      cause =
          "the kernel could not allocate the ring (ENOMEM), usually because the "
          "locked-memory limit is too low. Raise it (ulimit -l unlimited, "
          "LimitMEMLOCK=infinity in a systemd unit, or --ulimit memlock=-1 for a "
          "container), or use fewer ring entries and receive buffers";
      break;
    case EINVAL:
      cause =
          "the kernel rejected the io_uring setup (EINVAL): it is probably older "
          "than Linux 6.0, which the engine needs for multishot receive into "
          "provided buffer rings. Upgrade the kernel";
      break;
    case EMFILE:
    case ENFILE:
      cause = "out of file descriptors (" + std::string(strerrorname_np(-err)) +
              "). Raise the limit (ulimit -n)";
      break;
    default:
      cause = std::string("unexpected error ") +
              (strerrorname_np(-err) ? strerrorname_np(-err) : "?") + " (" +
              std::strerror(-err) + ")";
  }
  return SetupError{err, std::string("cannot set up io_uring: ") + what + " failed: " + cause +
                             "."};
}

void DieWithSetupError(const SetupError& error) {
  std::fprintf(stderr, "error: %s\n", error.message.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

}  // namespace engine
