// SPDX-License-Identifier: MIT
// Streaming atomic file output: temporary file in the target's directory, fsync, rename.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace weightinit::io {

/// Writes a file atomically, piece by piece: the constructor creates a temporary file next to
/// `path`, write() appends (buffered), commit() fsyncs it and renames it over `path`. If
/// commit() is not reached (an exception, a failed write), the destructor removes the
/// temporary file, leaving `path` as it was. Errors throw IoError naming `path` and strerror.
/// An existing target that is not a regular file — a device such as /dev/null, a pipe — is
/// written in place (no temporary, no rename: renaming over it would replace the device
/// node); a directory is an IoError; a symbolic link is followed, so the file it points to is
/// replaced and the link kept.
class AtomicFileWriter {
 public:
  /// Creates the temporary file; throws IoError when the directory is not writable.
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  /// Appends `size` bytes; throws IoError when the file system refuses them.
  void write(const void* data, std::size_t size);
  /// Flushes, fsyncs, closes and renames the temporary file over the target.
  void commit();

 private:
  void flush();
  [[noreturn]] void fail(int error);

  std::string path_;
  std::string dir_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
  std::vector<char> buffer_;
};

}  // namespace weightinit::io
