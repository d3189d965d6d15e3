// SPDX-License-Identifier: MIT
// AtomicFileWriter: mkostemp in the target's directory, buffered writes, fsync, rename.
#include "weightinit/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "weightinit/error.h"

namespace weightinit::io {

namespace {

constexpr std::size_t kBufferSize = std::size_t{1} << 20;

/// Writes all of `size` bytes to `fd`, retrying short writes and EINTR; returns 0 or errno.
int write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

/// The permissions a plain open(O_CREAT, 0666) would give: 0666 less the umask.
mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666 & ~mask);
}

/// Flushes the directory entry of the rename (best effort: some file systems refuse).
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw IoError("cannot write output: the file name is empty");
  struct stat info {};
  if (::stat(path_.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    if (S_ISDIR(info.st_mode)) throw IoError("cannot write '" + path_ + "': it is a directory");
    // A device or pipe (/dev/null, /dev/stdout, a FIFO): written in place. Renaming a file over
    // it would replace the device node itself.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot write '" + path_ + "': " + std::strerror(errno));
    buffer_.reserve(kBufferSize);
    return;
  }
  // A symbolic link keeps pointing where it did: the file it names is replaced.
  std::error_code ec;
  if (std::filesystem::is_symlink(path_, ec)) {
    const auto resolved = std::filesystem::weakly_canonical(path_, ec);
    if (!ec) path_ = resolved.string();
  }
  const std::filesystem::path target(path_);
  const std::string name = target.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw IoError("cannot write '" + path_ + "': not a file name");
  dir_ = target.has_parent_path() ? target.parent_path().string() : ".";
  // ".NAME.tmp.XXXXXX" must itself be a valid name: a long NAME (up to NAME_MAX, 255 bytes)
  // is cut to fit; mkostemp's random suffix keeps the temporary name unique.
  constexpr std::size_t kNameMax = 255, kDecoration = 1 + 11;  // "." and ".tmp.XXXXXX"
  const std::string stem = name.substr(0, std::min(name.size(), kNameMax - kDecoration));
  std::string temp = (std::filesystem::path(dir_) / ("." + stem + ".tmp.XXXXXX")).string();
  fd_ = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd_ < 0) {
    throw IoError("cannot write '" + path_ + "' (creating a temporary file in '" + dir_ +
                  "'): " + std::strerror(errno));
  }
  temp_ = temp;
  buffer_.reserve(kBufferSize);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFileWriter::fail(int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  throw IoError("cannot write '" + path_ + "': " + std::strerror(error));
}

void AtomicFileWriter::flush() {
  if (buffer_.empty()) return;
  const int error = write_all(fd_, buffer_.data(), buffer_.size());
  buffer_.clear();
  if (error != 0) fail(error);
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw IoError("cannot write '" + path_ + "': the file is closed");
  const char* bytes = static_cast<const char*>(data);
  if (buffer_.size() + size <= kBufferSize) {
    buffer_.insert(buffer_.end(), bytes, bytes + size);
    return;
  }
  flush();
  if (size >= kBufferSize) {
    const int error = write_all(fd_, bytes, size);
    if (error != 0) fail(error);
  } else {
    buffer_.insert(buffer_.end(), bytes, bytes + size);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw IoError("cannot write '" + path_ + "': the file is closed");
  flush();
  if (temp_.empty()) {  // a device or pipe, written in place
    const int fd = fd_;
    fd_ = -1;
    committed_ = true;
    if (::close(fd) != 0) throw IoError("cannot write '" + path_ + "': " + std::strerror(errno));
    return;
  }
  if (::fchmod(fd_, new_file_mode()) != 0) fail(errno);
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno);
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail(errno);
  committed_ = true;
  sync_directory(dir_);
}

}  // namespace weightinit::io
