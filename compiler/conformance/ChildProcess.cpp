//===- ChildProcess.cpp ---------------------------------------------------===//
#include "compiler/conformance/ChildProcess.h"

#include <chrono>
#include <cstring>
#include <vector>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::conformance {

namespace {

struct Running {
  size_t index;
  pid_t pid;
  int fd;
  std::string data;
  std::chrono::steady_clock::time_point start;
  bool killed = false;
};

/// Forks a child for job(i); false where it ran in this process instead.
bool start(size_t i, const std::function<std::string(size_t)> &job, Running &r,
           ChildResult &inProcess) {
  int fds[2];
  if (pipe(fds) != 0) {
    inProcess = {true, job(i), ""};
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    inProcess = {true, job(i), ""};
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    // A marker byte first: a child that dies before writing it returned nothing.
    std::string msg = "+" + job(i);
    const char *p = msg.data();
    size_t left = msg.size();
    while (left) {
      ssize_t n = write(fds[1], p, left);
      if (n <= 0)
        break;
      p += n, left -= n;
    }
    _exit(0);
  }
  close(fds[1]);
  r = {i, pid, fds[0], "", std::chrono::steady_clock::now()};
  return true;
}

ChildResult finish(Running &r, int timeoutSeconds) {
  close(r.fd);
  int status = 0;
  waitpid(r.pid, &status, 0);
  ChildResult result;
  if (r.killed) {
    result.failure = "timed out after " + std::to_string(timeoutSeconds) + " s";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !r.data.empty() && r.data[0] == '+') {
    result.completed = true;
    result.output = r.data.substr(1);
  } else if (WIFSIGNALED(status)) {
    result.failure = std::string("crashed (") + strsignal(WTERMSIG(status)) + ")";
  } else {
    result.failure = "the child process exited with status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                     " without a result";
  }
  return result;
}

} // namespace

void runInChildren(size_t n, int parallel, int timeoutSeconds,
                   const std::function<std::string(size_t)> &job,
                   const std::function<void(size_t, ChildResult)> &done) {
  if (parallel < 1)
    parallel = 1;
  std::vector<Running> running;
  size_t next = 0;
  while (next < n || !running.empty()) {
    while (next < n && (int)running.size() < parallel) {
      Running r;
      ChildResult inProcess;
      size_t i = next++;
      if (start(i, job, r, inProcess))
        running.push_back(std::move(r));
      else
        done(i, std::move(inProcess));
    }
    if (running.empty())
      continue;
    std::vector<pollfd> fds;
    for (Running &r : running)
      fds.push_back({r.fd, POLLIN, 0});
    int ready = poll(fds.data(), fds.size(), 200);
    auto now = std::chrono::steady_clock::now();
    for (size_t k = running.size(); k-- > 0;) {
      Running &r = running[k];
      bool closed = false;
      if (ready > 0 && (fds[k].revents & (POLLIN | POLLHUP | POLLERR))) {
        char buf[4096];
        ssize_t got = read(r.fd, buf, sizeof buf);
        if (got > 0)
          r.data.append(buf, got);
        else
          closed = true;
      }
      if (!closed && now - r.start > std::chrono::seconds(timeoutSeconds)) {
        kill(r.pid, SIGKILL);
        r.killed = true;
        closed = true;
      }
      if (closed) {
        Running finished = std::move(r);
        running.erase(running.begin() + k);
        done(finished.index, finish(finished, timeoutSeconds));
      }
    }
  }
}

ChildResult runInChild(const std::function<std::string()> &job, int timeoutSeconds) {
  ChildResult result;
  runInChildren(
      1, 1, timeoutSeconds, [&](size_t) { return job(); },
      [&](size_t, ChildResult r) { result = std::move(r); });
  return result;
}

} // namespace strata::conformance
