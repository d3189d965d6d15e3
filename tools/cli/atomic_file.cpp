// SPDX-License-Identifier: MIT
// Atomic file output: temporary file in the target's directory, fsync, rename.
#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "weightinit/error.h"

namespace weightinit::cli {

namespace {

[[noreturn]] void fail(const std::string& what, int error) {
  throw IoError(what + ": " + std::strerror(error));
}

/// Writes all of `data` to `fd`, retrying short writes and EINTR; returns 0 or an errno value.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

/// The permissions a plain open(O_CREAT, 0666) would give: 0666 less the umask.
mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

/// Fills, flushes and closes the temporary file; returns 0 or the first errno value.
int fill_temp(int fd, std::string_view data) {
  int error = write_all(fd, data);
  if (error == 0 && ::fchmod(fd, new_file_mode()) != 0) error = errno;
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  return error;
}

/// Flushes the directory entry of the rename (best effort: some file systems refuse).
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view data) {
  if (path.empty()) throw IoError("cannot write output: the file name is empty");
  const std::filesystem::path target(path);
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..") {
    throw IoError("cannot write '" + path + "': not a file name");
  }
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string temp = (std::filesystem::path(dir) / ("." + name + ".tmp.XXXXXX")).string();
  std::vector<char> buf(temp.begin(), temp.end());
  buf.push_back('\0');
  const int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0)
    fail("cannot write '" + path + "' (creating a temporary file in '" + dir + "')", errno);
  temp.assign(buf.data());
  int error = fill_temp(fd, data);
  if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    fail("cannot write '" + path + "'", error);
  }
  sync_directory(dir);
}

void write_output(const std::string& path, std::string_view data) {
  if (!path.empty()) {
    write_file_atomically(path, data);
    return;
  }
  std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
  std::cout.flush();
  if (!std::cout) throw IoError("cannot write to standard output");
}

}  // namespace weightinit::cli
