// SPDX-License-Identifier: MIT
// safetensors: round trips, BF16/F16 rounding bit patterns, malformed files, atomic writes.
#include "weightinit/io/safetensors.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "weightinit/weightinit.h"

namespace wi = weightinit;
namespace io = weightinit::io;
namespace fs = std::filesystem;

namespace {

float f_bits(std::uint32_t bits) { return std::bit_cast<float>(bits); }

std::string bytes_of(const wi::Tensor& t) {
  const wi::Tensor c = t.contiguous();
  std::string bytes(static_cast<std::size_t>(c.numel()) * c.element_size(), '\0');
  if (!bytes.empty()) std::memcpy(bytes.data(), c.raw_data(), bytes.size());
  return bytes;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// A safetensors file by hand: 8-byte little-endian `length` (the header's size unless given),
/// the header text, then `data`.
std::string st_bytes(const std::string& header, const std::string& data = "",
                     std::optional<std::uint64_t> length = std::nullopt) {
  const std::uint64_t n = length.value_or(header.size());
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  return out + header + data;
}

std::string le_f32(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) {
    const auto b = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((b >> (8 * i)) & 0xFF));
  }
  return out;
}

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "weightinit_st_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path dir_;
};

wi::Tensor f32(std::vector<float> v, const wi::Shape& shape) {
  return wi::Tensor::from_data<float>(v, shape);
}

// ---------------------------------------------------------------------------------------------
// Conversion bit patterns (checked by hand against the binary layouts).

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(io::float_to_bf16_bits(1.0f), 0x3F80);
  EXPECT_EQ(io::float_to_bf16_bits(0.1f), 0x3DCD);                // 0x3DCCCCCD rounds up
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x3F808000)), 0x3F80);  // tie, 0x3F80 is even
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x3F818000)), 0x3F82);  // tie, 0x3F82 is even
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x3F808001)), 0x3F81);  // above the tie
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x3F807FFF)), 0x3F80);  // below the tie
  EXPECT_EQ(io::float_to_bf16_bits(-2.0f), 0xC000);
  EXPECT_EQ(io::float_to_bf16_bits(-0.0f), 0x8000);
}

TEST(Bf16, SpecialValuesSubnormalsAndOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(io::float_to_bf16_bits(inf), 0x7F80);
  EXPECT_EQ(io::float_to_bf16_bits(-inf), 0xFF80);
  EXPECT_EQ(io::float_to_bf16_bits(std::nanf("")), 0x7FC0);
  EXPECT_EQ(io::float_to_bf16_bits(-std::nanf("")), 0x7FC0);
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x7F7FFFFF)), 0x7F80);  // FLT_MAX overflows to inf
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x7F7F7FFF)), 0x7F7F);  // largest finite bf16
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x00000001)), 0x0000);  // 2^-149 rounds to 0
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x00008000)), 0x0000);  // tie to even 0
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x00018000)), 0x0002);  // tie to even 2
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x00008001)), 0x0001);
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x007FFFFF)), 0x0080);  // carries into the normals
  EXPECT_EQ(io::float_to_bf16_bits(f_bits(0x80010000)), 0x8001);
}

TEST(F16, RoundsToNearestEven) {
  EXPECT_EQ(io::float_to_f16_bits(1.0f), 0x3C00);
  EXPECT_EQ(io::float_to_f16_bits(0.1f), 0x2E66);
  EXPECT_EQ(io::float_to_f16_bits(-2.0f), 0xC000);
  EXPECT_EQ(io::float_to_f16_bits(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie, even
  EXPECT_EQ(io::float_to_f16_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie, even
  EXPECT_EQ(io::float_to_f16_bits(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3C01);
  EXPECT_EQ(io::float_to_f16_bits(-0.0f), 0x8000);
}

TEST(F16, SpecialValuesSubnormalsAndOverflow) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(io::float_to_f16_bits(inf), 0x7C00);
  EXPECT_EQ(io::float_to_f16_bits(-inf), 0xFC00);
  EXPECT_EQ(io::float_to_f16_bits(std::nanf("")), 0x7E00);
  EXPECT_EQ(io::float_to_f16_bits(-std::nanf("")), 0xFE00);
  EXPECT_EQ(io::float_to_f16_bits(65504.0f), 0x7BFF);  // largest finite half
  EXPECT_EQ(io::float_to_f16_bits(65519.0f), 0x7BFF);  // below the tie
  EXPECT_EQ(io::float_to_f16_bits(65520.0f), 0x7C00);  // the tie rounds to even: inf
  EXPECT_EQ(io::float_to_f16_bits(1e6f), 0x7C00);
  EXPECT_EQ(io::float_to_f16_bits(-1e6f), 0xFC00);
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1.0f, -25)), 0x0000);  // tie to even 0
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(3.0f, -25)), 0x0002);  // tie to even 2
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1.0001f, -25)), 0x0001);
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1023.0f, -24)), 0x03FF);  // largest subnormal
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1023.5f, -24)), 0x0400);  // tie into the normals
  EXPECT_EQ(io::float_to_f16_bits(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(io::float_to_f16_bits(-1e-10f), 0x8000);
  EXPECT_EQ(io::float_to_f16_bits(f_bits(0x00000001)), 0x0000);
}

TEST(HalfFormats, WideningIsExactAndEveryPatternRoundTrips) {
  EXPECT_EQ(io::f16_bits_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(io::f16_bits_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(io::f16_bits_to_float(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(io::f16_bits_to_float(0x7E01)));
  EXPECT_EQ(io::bf16_bits_to_float(0x3F80), 1.0f);
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float h = io::f16_bits_to_float(bits);
    if (!std::isnan(h)) {
      ASSERT_EQ(io::float_to_f16_bits(h), bits) << std::hex << b;
    }
    const float bf = io::bf16_bits_to_float(bits);
    if (!std::isnan(bf)) {
      ASSERT_EQ(io::float_to_bf16_bits(bf), bits) << std::hex << b;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Round trips

TEST_F(Safetensors, RoundTripsF32F64I64Exactly) {
  wi::manual_seed(0);
  const wi::Tensor a = wi::randn({3, 4});
  const wi::Tensor b = wi::randn({2, 2}).to(wi::DType::Float64);
  const std::vector<std::int64_t> ints{-1, 0, std::numeric_limits<std::int64_t>::max()};
  const wi::Tensor c = wi::Tensor::from_data<std::int64_t>(ints, {3});
  const wi::Tensor scalar = wi::Tensor::full({}, 2.5);
  const wi::Tensor empty = wi::Tensor::empty({0, 5});
  const wi::Tensor strided = a.t();  // non-contiguous: written row-major
  io::save_safetensors(file("x.safetensors"),
                       {{"a", a}, {"b", b}, {"c", c}, {"s", scalar}, {"e", empty}, {"t", strided}});
  const io::SafetensorsFile f = io::load_safetensors(file("x.safetensors"));
  ASSERT_EQ(f.tensors.size(), 6u);
  const std::vector<std::string> names{"a", "b", "c", "s", "e", "t"};
  const std::vector<wi::Tensor> want{a, b, c, scalar, empty, strided};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, names[i]);
    EXPECT_EQ(f.tensors[i].second.dtype(), want[i].dtype()) << names[i];
    EXPECT_EQ(f.tensors[i].second.sizes(), want[i].sizes()) << names[i];
    EXPECT_EQ(bytes_of(f.tensors[i].second), bytes_of(want[i])) << names[i];
  }
  EXPECT_EQ(f.stored, (std::vector<io::StoredDType>{io::StoredDType::F32, io::StoredDType::F64,
                                                    io::StoredDType::I64, io::StoredDType::F32,
                                                    io::StoredDType::F32, io::StoredDType::F32}));
  EXPECT_TRUE(f.metadata.empty());
  EXPECT_EQ(entries(), std::vector<std::string>{"x.safetensors"});
}

TEST_F(Safetensors, ConvertsFloatsToBf16AndF16AndKeepsInt64) {
  wi::manual_seed(1);
  const wi::Tensor a = wi::randn({100});
  const wi::Tensor d = wi::randn({7}).to(wi::DType::Float64);
  const std::vector<std::int64_t> ints{5, 6};
  const wi::Tensor n = wi::Tensor::from_data<std::int64_t>(ints, {2});
  for (io::StoredDType target : {io::StoredDType::BF16, io::StoredDType::F16}) {
    io::save_safetensors(file("h.safetensors"), {{"a", a}, {"d", d}, {"n", n}}, {}, target);
    const auto f = io::load_safetensors(file("h.safetensors"));
    EXPECT_EQ(f.stored, (std::vector<io::StoredDType>{target, target, io::StoredDType::I64}));
    const auto round = [&](double v) {
      const float x = static_cast<float>(v);
      return target == io::StoredDType::BF16 ? io::bf16_bits_to_float(io::float_to_bf16_bits(x))
                                             : io::f16_bits_to_float(io::float_to_f16_bits(x));
    };
    for (int k = 0; k < 2; ++k) {
      const wi::Tensor& src = k == 0 ? a : d;
      const wi::Tensor& got = f.tensors[static_cast<std::size_t>(k)].second;
      ASSERT_EQ(got.dtype(), wi::DType::Float32);
      ASSERT_EQ(got.sizes(), src.sizes());
      for (std::int64_t i = 0; i < src.numel(); ++i)
        EXPECT_EQ(got.item({i}), round(src.item({i}))) << i;
    }
    EXPECT_EQ(bytes_of(f.tensors[2].second), bytes_of(n));
    EXPECT_EQ(fs::file_size(file("h.safetensors")) % 2, 0u);
  }
}

TEST_F(Safetensors, MetadataRoundTripsAndHeaderIsAligned) {
  const std::map<std::string, std::string> meta{{"format", "pt"}, {"note", "ünïcode \"q\""}};
  io::save_safetensors(file("m.safetensors"), {{"w", f32({1, 2, 3}, {3})}}, meta);
  const auto f = io::load_safetensors(file("m.safetensors"));
  EXPECT_EQ(f.metadata, meta);
  const std::string raw = read_all(file("m.safetensors"));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(raw[static_cast<std::size_t>(i)]);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(raw.substr(8, 15), "{\"__metadata__\"");
  EXPECT_EQ(raw.substr(8 + n), le_f32({1, 2, 3}));
}

TEST_F(Safetensors, ReadsAHandWrittenFileWithTensorsInAnyDataOrder) {
  const std::string header = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                             R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("h":{"dtype":"F16","shape":[1],"data_offsets":[12,14]}}   )";
  write_all(file("hand.safetensors"),
            st_bytes(header, le_f32({1.0f, -2.0f, 0.5f}) + std::string("\x00\x3C", 2)));
  const auto f = io::load_safetensors(file("hand.safetensors"));
  ASSERT_EQ(f.tensors.size(), 3u);
  EXPECT_EQ(f.tensors[0].first, "b");
  EXPECT_EQ(f.tensors[0].second.item({0}), 0.5);
  EXPECT_EQ(f.tensors[1].second.to_vector<float>(), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(f.tensors[2].second.item({0}), 1.0);
  EXPECT_EQ(f.stored[2], io::StoredDType::F16);
}

TEST_F(Safetensors, SaveRejectsBadArguments) {
  const wi::Tensor t = f32({1}, {1});
  EXPECT_THROW(io::save_safetensors(file("x"), {{"a", t}, {"a", t}}), wi::ValueError);
  EXPECT_THROW(io::save_safetensors(file("x"), {{"__metadata__", t}}), wi::ValueError);
  EXPECT_THROW(io::save_safetensors(file("x"), {{"u", wi::Tensor()}}), wi::ValueError);
  EXPECT_TRUE(entries().empty());
}

// ---------------------------------------------------------------------------------------------
// Malformed files

struct BadCase {
  const char* what;
  std::string bytes;
  const char* message;
};

TEST_F(Safetensors, RejectsMalformedFilesNamingTheRule) {
  const std::string f4 = R"("dtype":"F32","shape":[1],"data_offsets":)";
  const std::vector<BadCase> cases{
      {"short", std::string("\x02\x00\x00", 3), "the file is shorter than 8 bytes (3)"},
      {"length past end", st_bytes("{}", "", 100),
       "header length 100 is larger than the file (2 bytes after the length)"},
      {"length over 100 MB", st_bytes("{}", "", 200'000'000),
       "header length 200000000 exceeds the limit of 100 MB"},
      {"utf8", st_bytes("{\"\xff\":1}"), "the header is not valid UTF-8"},
      {"json", st_bytes("{\"a\": "), "the header is not valid JSON"},
      {"array", st_bytes("[1, 2]"), "the header is not a JSON object"},
      {"dtype", st_bytes(R"({"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"),
       "tensor 'a': unknown dtype 'F8' (supported: F32, F64, I64, BF16, F16)"},
      {"size", st_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"),
       "tensor 'a': shape [2] with dtype F32 needs 8 bytes, but data_offsets [0, 4] span 4"},
      {"range", st_bytes("{\"a\":{" + f4 + "[0,4]}}", ""),
       "tensor 'a': data_offsets end 4 is beyond the data region (0 bytes)"},
      {"overlap", st_bytes("{\"a\":{" + f4 + "[0,4]},\"b\":{" + f4 + "[2,6]}}", "abcdef"),
       "tensor 'b' overlaps the previous tensor"},
      {"gap", st_bytes("{\"a\":{" + f4 + "[0,4]},\"b\":{" + f4 + "[8,12]}}", "abcdefghijkl"),
       "bytes [4, 8) of the data region are not covered by any tensor"},
      {"trailing", st_bytes("{\"a\":{" + f4 + "[0,4]}}", "abcdefgh"),
       "bytes [4, 8) of the data region are not covered by any tensor"},
      {"duplicate", st_bytes("{\"a\":{" + f4 + "[0,4]},\"a\":{" + f4 + "[0,4]}}", "abcd"),
       "duplicate name 'a' in the header"},
      {"metadata", st_bytes(R"({"__metadata__":{"k":1}})"),
       "metadata value for key 'k' is not a string"},
      {"metadata object", st_bytes(R"({"__metadata__":"x"})"), "__metadata__ is not a JSON object"},
      {"reversed offsets", st_bytes("{\"a\":{" + f4 + "[4,0]}}", "abcd"),
       "tensor 'a': data_offsets begin is after end"},
      {"negative shape",
       st_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"),
       "tensor 'a': \"shape\" must hold non-negative integers"},
      {"no offsets", st_bytes(R"({"a":{"dtype":"F32","shape":[1]}})", "abcd"),
       "tensor 'a': \"data_offsets\" must be two non-negative integers [begin, end]"},
      {"entry", st_bytes(R"({"a":3})"), "tensor 'a': the entry is not a JSON object"},
  };
  for (const auto& c : cases) {
    const std::string path = file("bad.safetensors");
    write_all(path, c.bytes);
    try {
      io::load_safetensors(path);
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const wi::IoError& e) {
      const std::string msg = e.what();
      const std::string prefix = "invalid safetensors file '" + path + "': ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << c.what << ": " << msg;
      EXPECT_EQ(msg.substr(0, prefix.size() + std::strlen(c.message)), prefix + c.message)
          << c.what;
    }
  }
}

TEST_F(Safetensors, MissingFileNamesThePathAndReason) {
  try {
    io::load_safetensors(file("none.safetensors"));
    ADD_FAILURE() << "accepted";
  } catch (const wi::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("none.safetensors': No such file or directory"),
              std::string::npos)
        << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic writes

TEST_F(Safetensors, UnwritableDirectoryThrowsAndLeavesNoTempFile) {
  const std::string missing = file("no_such_dir/x.safetensors");
  try {
    io::save_safetensors(missing, {{"a", f32({1}, {1})}});
    ADD_FAILURE() << "accepted";
  } catch (const wi::IoError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + missing + "'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos);
  }
  // The rename over a directory fails after the data is written: the temp file must go.
  fs::create_directory(dir_ / "d");
  EXPECT_THROW(io::save_safetensors(file("d"), {{"a", f32({1}, {1})}}), wi::IoError);
  EXPECT_EQ(entries(), std::vector<std::string>{"d"});
  EXPECT_TRUE(fs::is_empty(dir_ / "d"));
  if (::geteuid() != 0) {  // root ignores directory permissions
    fs::create_directory(dir_ / "ro");
    fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(io::save_safetensors(file("ro/x"), {{"a", f32({1}, {1})}}), wi::IoError);
    fs::permissions(dir_ / "ro", fs::perms::owner_all);
    EXPECT_TRUE(fs::is_empty(dir_ / "ro"));
  }
}

TEST_F(Safetensors, ExistingFileIsReplacedOnlyWhenTheWriteCompletes) {
  const std::string path = file("model.safetensors");
  io::save_safetensors(path, {{"old", f32({1, 2}, {2})}});
  const std::string old_bytes = read_all(path);
  // A write that fails half way (the file size limit, EFBIG) leaves the old file and no temp.
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const wi::Tensor big = wi::Tensor::zeros({1 << 20});
  std::string message;
  try {
    io::save_safetensors(path, {{"big", big}});
  } catch (const wi::IoError& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("cannot write '" + path + "': File too large"), std::string::npos)
      << message;
  EXPECT_EQ(read_all(path), old_bytes);
  EXPECT_EQ(entries(), std::vector<std::string>{"model.safetensors"});
  // A complete write replaces it.
  io::save_safetensors(path, {{"new", f32({3}, {1})}});
  const auto f = io::load_safetensors(path);
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].first, "new");
  EXPECT_EQ(entries(), std::vector<std::string>{"model.safetensors"});
}

}  // namespace

TEST_F(Safetensors, APipeOrDeviceTargetIsWrittenInPlaceNeverReplaced) {
  // A FIFO stands in for /dev/null: renaming a temporary file over it would replace the node.
  const std::string fifo = file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  io::save_safetensors(fifo, {{"w", f32({1, 2, 3}, {3})}});
  reader.join();
  struct stat info {};
  ASSERT_EQ(::stat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode)) << "the pipe was replaced by a file";
  EXPECT_GT(received.size(), 8u + 12u);  // the header and 12 bytes of data went through it
  EXPECT_EQ(entries(), std::vector<std::string>{"pipe"});  // no temporary file
}

TEST_F(Safetensors, ASymlinkTargetKeepsTheLinkAndADirectoryIsRefused) {
  const std::string real = file("real.safetensors"), link = file("link.safetensors");
  io::save_safetensors(real, {{"old", f32({1}, {1})}});
  std::filesystem::create_symlink(real, link);
  io::save_safetensors(link, {{"new", f32({2}, {1})}});
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(io::load_safetensors(real).tensors[0].first, "new");
  std::filesystem::create_directory(file("d.safetensors"));
  try {
    io::save_safetensors(file("d.safetensors"), {{"w", f32({1}, {1})}});
    ADD_FAILURE() << "no IoError";
  } catch (const wi::IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write '" + file("d.safetensors") + "': it is a directory");
  }
}

// ---------------------------------------------------------------------------------------------
// C3D(pretrained=true) loads its weights from a safetensors file

TEST_F(Safetensors, C3dPretrainedLoadsConv1ToFc7AndKeepsFc8) {
  wi::Generator g0(0), g1(1), g2(1);
  wi::models::C3D source(7, false, g0);
  const std::string path = file("c3d.safetensors");
  wi::nn::StateDict saved = source.state_dict();
  io::save_safetensors(path, saved, {});
  wi::models::C3D loaded(7, true, g1, path);
  wi::models::C3D fresh(7, false, g2);  // the same draws as `loaded` before loading
  const auto got = loaded.state_dict();
  const auto own = fresh.state_dict();
  ASSERT_EQ(got.size(), saved.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool fc8 = got[i].first.rfind("fc8.", 0) == 0;
    const wi::Tensor& expected = fc8 ? own[i].second : saved[i].second;
    const wi::Tensor a = got[i].second.contiguous(), b = expected.contiguous();
    EXPECT_EQ(std::memcmp(a.data_ptr<float>(), b.data_ptr<float>(),
                          static_cast<std::size_t>(a.numel()) * sizeof(float)),
              0)
        << got[i].first;
  }
  // fc8 really differs between the two seeds, so the check above means something.
  EXPECT_NE(saved.back().second.item({0}), own.back().second.item({0}));

  // A file without conv1.weight, one with a wrong shape, a missing file, no path at all.
  wi::nn::StateDict partial(saved.begin() + 1, saved.end());
  io::save_safetensors(file("partial.safetensors"), partial, {});
  wi::Generator g(0);
  EXPECT_THROW(wi::models::C3D(7, true, g, file("partial.safetensors")), wi::ValueError);
  saved[0].second = wi::Tensor::zeros({1, 2});
  io::save_safetensors(file("shape.safetensors"), saved, {});
  EXPECT_THROW(wi::models::C3D(7, true, g, file("shape.safetensors")), wi::ShapeError);
  EXPECT_THROW(wi::models::C3D(7, true, g, file("missing.safetensors")), wi::IoError);
  ::unsetenv("WEIGHTINIT_C3D_WEIGHTS");
  EXPECT_THROW(wi::models::C3D(7, true, g), wi::ValueError);
}
