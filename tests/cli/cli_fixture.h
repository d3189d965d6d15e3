// SPDX-License-Identifier: MIT
// The CLI test fixture: runs the weightinit executable as a process (stdout and stderr captured
// through files, an optional working directory) in a scratch directory, and checks one-line
// errors.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "weightinit_cli_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directory(dir_ / "io");
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Starts the CLI with `args` (stdout and stderr captured through files); returns its pid,
  /// or -1 when it could not be started.
  pid_t start(const std::vector<std::string>& args, const fs::path& cwd = {}) const {
    const std::string out = (dir_ / "io" / "stdout").string();
    const std::string err = (dir_ / "io" / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<std::string> argv_strings{WEIGHTINIT_CLI_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, WEIGHTINIT_CLI_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0 ? pid : -1;
  }

  /// Waits for a process from start() and collects its exit code and output.
  Result finish(pid_t pid) const {
    Result r;
    if (pid < 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(dir_ / "io" / "stdout");
    r.err = read_file(dir_ / "io" / "stderr");
    return r;
  }

  /// Runs the CLI with `args` to completion.
  Result run(const std::vector<std::string>& args) const { return finish(start(args)); }

  /// Runs the CLI with `args` in the working directory `cwd`.
  Result run_in(const fs::path& cwd, const std::vector<std::string>& args) const {
    return finish(start(args, cwd));
  }

  /// Files in the scratch directory other than the captured streams.
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().filename() != "io") names.push_back(entry.path().filename().string());
    }
    return names;
  }

  /// Expects exit code `code`, nothing on stdout and exactly one error line on stderr.
  static void expect_error(const Result& r, int code, const std::string& message = "") {
    EXPECT_EQ(r.code, code);
    EXPECT_EQ(r.out, "");
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.rfind("weightinit: error: ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    if (!message.empty()) {
      EXPECT_EQ(r.err, "weightinit: error: " + message + "\n");
    }
  }

  /// expect_error, with `fragment` somewhere in the message.
  static void expect_error_with(const Result& r, int code, const std::string& fragment) {
    expect_error(r, code);
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }

  fs::path dir_;
};
