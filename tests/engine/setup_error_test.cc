// Tests for engine/setup_error.cc: what a user sees when io_uring is unavailable.
//
// The end-to-end tests fork a child that blocks io_uring_setup with a seccomp filter
// (as a container runtime would) and calls Loop::CreateOrDie(); the parent checks the
// exit status and the message on the child's stderr. The child stays clear of gtest:
// it does its work and _exit()s.
#include "engine/setup_error.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "engine/loop.h"

namespace engine {
namespace {

// kernel.io_uring_disabled, or -1 when the kernel has no such sysctl. When it is
// above 0, EPERM is blamed on it rather than on seccomp.
int IoUringDisabled() {
  FILE* f = std::fopen("/proc/sys/kernel/io_uring_disabled", "re");
  if (f == nullptr) return -1;
  int value = -1;
  if (std::fscanf(f, "%d", &value) != 1) value = -1;
  std::fclose(f);
  return value;
}

// Makes io_uring_setup fail with `err` in this process from now on. Returns false
// when the filter cannot be installed.
bool BlockIoUringSetup(int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),  // another ABI: leave it alone
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_ERRNO | (static_cast<unsigned>(err) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog = {static_cast<unsigned short>(std::size(filter)), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

struct ChildResult {
  bool exited = false;  // exited normally, not killed by a signal
  int status = -1;      // exit status, or the signal that killed it
  std::string err;      // everything written to stderr
};

// In a child with io_uring_setup failing with `err`: Loop::CreateOrDie().
ChildResult CreateLoopWithIoUringBlocked(int err) {
  ChildResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return result;
  }
  if (pid == 0) {
    dup2(fds[1], STDERR_FILENO);
    alarm(30);  // a hang ends as SIGALRM, which the parent reports
    if (!BlockIoUringSetup(err)) {
      const char msg[] = "test child: could not install the seccomp filter\n";
      ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
      (void)w;
      _exit(10);
    }
    std::unique_ptr<Loop> loop = Loop::CreateOrDie(LoopOptions{});
    _exit(loop ? 11 : 12);  // CreateOrDie must not return
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    result.err.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  result.exited = WIFEXITED(wstatus);
  result.status = result.exited ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus);
  return result;
}

struct Case {
  int err;
  std::vector<std::string> cause;  // every one must appear
  std::vector<std::string> fix;
};

void PrintTo(const Case& c, std::ostream* os) { *os << strerrorname_np(c.err); }

const Case kBlocked[] = {
    {EPERM, {"EPERM", "seccomp"}, {"allows io_uring_setup"}},
    {ENOSYS, {"ENOSYS"}, {"allow io_uring_setup", "Linux 6.0"}},
    {ENOMEM, {"ENOMEM", "locked-memory"}, {"ulimit -l"}},
};

class IoUringUnavailable : public testing::TestWithParam<Case> {};

TEST_P(IoUringUnavailable, CreateOrDieExitsWithStatus2AndNamesCauseAndFix) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "the seccomp filter is written for x86-64";
#endif
  const Case& c = GetParam();
  if (c.err == EPERM && IoUringDisabled() > 0) {
    GTEST_SKIP() << "kernel.io_uring_disabled > 0: EPERM is blamed on the sysctl";
  }
  ChildResult child = CreateLoopWithIoUringBlocked(c.err);

  ASSERT_TRUE(child.exited) << "killed by signal " << child.status << "; stderr: " << child.err;
  EXPECT_EQ(child.status, 2) << "stderr: " << child.err;
  // One line: "error: " and the message.
  EXPECT_EQ(child.err.rfind("error: cannot set up io_uring: io_uring_setup failed: ", 0), 0u)
      << child.err;
  EXPECT_EQ(child.err.find('\n'), child.err.size() - 1) << child.err;
  for (const std::string& s : c.cause) EXPECT_NE(child.err.find(s), std::string::npos) << s;
  for (const std::string& s : c.fix) EXPECT_NE(child.err.find(s), std::string::npos) << s;
}

INSTANTIATE_TEST_SUITE_P(Errnos, IoUringUnavailable, testing::ValuesIn(kBlocked),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(strerrorname_np(info.param.err));
                         });

// DescribeSetupError directly, for every errno it explains.
class DescribeSetupErrorFor : public testing::TestWithParam<Case> {};

TEST_P(DescribeSetupErrorFor, NamesWhatFailedTheCauseAndTheFix) {
  const Case& c = GetParam();
  SetupError e = DescribeSetupError("buffer ring registration", -c.err);

  EXPECT_EQ(e.err, -c.err);
  EXPECT_EQ(e.message.rfind("cannot set up io_uring: buffer ring registration failed: ", 0), 0u)
      << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << "one paragraph: " << e.message;
  ASSERT_FALSE(e.message.empty());
  EXPECT_EQ(e.message.back(), '.');
  for (const std::string& s : c.cause) EXPECT_NE(e.message.find(s), std::string::npos) << s;
  for (const std::string& s : c.fix) EXPECT_NE(e.message.find(s), std::string::npos) << s;
}

std::vector<Case> DescribedCases() {
  std::vector<Case> cases;
  if (IoUringDisabled() > 0) {
    cases.push_back(
        {EPERM, {"EPERM", "kernel.io_uring_disabled"}, {"sysctl -w kernel.io_uring_disabled=0"}});
  } else {
    cases.push_back({EPERM, {"EPERM", "seccomp"}, {"allows io_uring_setup", "seccomp=<profile>"}});
  }
  cases.push_back({ENOSYS, {"ENOSYS", "CONFIG_IO_URING"}, {"allow io_uring_setup"}});
  cases.push_back({ENOMEM, {"ENOMEM", "locked-memory"}, {"ulimit -l", "LimitMEMLOCK"}});
  cases.push_back({EINVAL, {"EINVAL", "older than Linux 6.0"}, {"Upgrade the kernel"}});
  cases.push_back({EMFILE, {"EMFILE", "out of file descriptors"}, {"ulimit -n"}});
  cases.push_back({ENFILE, {"ENFILE", "out of file descriptors"}, {"ulimit -n"}});
  cases.push_back({EIO, {"unexpected error EIO", std::strerror(EIO)}, {}});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Errnos, DescribeSetupErrorFor, testing::ValuesIn(DescribedCases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(strerrorname_np(info.param.err));
                         });

}  // namespace
}  // namespace engine
