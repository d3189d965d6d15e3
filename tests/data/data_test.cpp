// SPDX-License-Identifier: MIT
// Tests of the data layer: IDX reading and validation, Fashion-MNIST, synthetic data, DataLoader.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/data/idx.h"
#include "weightinit/error.h"
#include "weightinit/random/generator.h"

namespace wi = weightinit;
namespace wd = weightinit::data;
namespace fs = std::filesystem;

namespace {

// Written by tools/golden/fashion_mnist_facts.py (gzip + numpy + torch), never by hand.
const nlohmann::json& facts() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/../data/fashion_mnist_facts.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

// Loads a split; a missing package FAILS the test with the install hint (never skips).
const wd::Dataset& real(wd::Split split) {
  static std::optional<wd::Dataset> train, test;
  auto& slot = split == wd::Split::Train ? train : test;
  if (!slot) {
    slot = wd::load_fashion_mnist(split, wd::kFashionMnistPackageDir);
  }
  return *slot;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const wi::IoError& e) {
    return e.what();
  }
  return "<no IoError>";
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("wi_data_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::vector<std::uint8_t> idx_bytes(std::vector<std::uint32_t> dims, std::size_t data_bytes,
                                    std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> b{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) {
      b.push_back(static_cast<std::uint8_t>(d >> s));
    }
  }
  for (std::size_t i = 0; i < data_bytes; ++i) {
    b.push_back(static_cast<std::uint8_t>(i * 7));
  }
  return b;
}

void write_plain(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void write_gz(const std::string& path, const std::vector<std::uint8_t>& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, b.data(), static_cast<unsigned>(b.size())), static_cast<int>(b.size()));
  gzclose(f);
}

std::vector<std::uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

// ---------------------------------------------------------------------------------- IDX reader
TEST(Idx, ReadsPlainAndGzip) {
  TempDir dir;
  const auto b = idx_bytes({2, 3}, 6);
  write_plain(dir.file("a-idx2-ubyte"), b);
  write_gz(dir.file("a-idx2-ubyte.gz"), b);
  for (const char* name : {"a-idx2-ubyte", "a-idx2-ubyte.gz"}) {
    const wd::IdxArray a = wd::read_idx(dir.file(name));
    EXPECT_EQ(a.dims, (wi::Shape{2, 3}));
    EXPECT_EQ(a.data, std::vector<std::uint8_t>(b.end() - 6, b.end()));
  }
}

TEST(Idx, RejectsMalformedFiles) {
  TempDir dir;
  struct Case {
    std::string name;
    std::vector<std::uint8_t> bytes;
    bool gz;
    std::string rule;
  };
  auto good = idx_bytes({4, 5}, 20);
  auto bad_magic = good;
  bad_magic[0] = 0x12;
  const std::vector<Case> cases = {
      {"bad-magic.gz", bad_magic, true, "bad magic"},
      {"bad-type.gz", idx_bytes({4, 5}, 20, 0x0D), true, "unsupported IDX type 0x0D"},
      {"zero-dims.gz", idx_bytes({}, 0), true, "number of dims 0"},
      {"short-data.gz", idx_bytes({4, 5}, 19), true, "data size mismatch"},
      {"long-data.gz", idx_bytes({4, 5}, 21), true, "need 20 data bytes"},
      {"short-header", {0, 0, 8, 3, 0, 0, 0, 1}, false, "truncated header"},
      {"tiny", {0, 0}, false, "truncated header"},
      {"not-gzip.gz", good, false, "not a gzip file"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.file(c.name);
    if (c.gz) {
      write_gz(path, c.bytes);
    } else {
      write_plain(path, c.bytes);
    }
    const std::string msg = error_of([&] { wd::read_idx(path); });
    EXPECT_TRUE(contains(msg, path)) << c.name << ": " << msg;
    EXPECT_TRUE(contains(msg, c.rule)) << c.name << ": " << msg;
  }
}

TEST(Idx, RejectsTruncatedAndCorruptGzip) {
  TempDir dir;
  write_gz(dir.file("full.gz"), idx_bytes({100, 100}, 10000));
  const auto full = read_all(dir.file("full.gz"));
  ASSERT_GT(full.size(), 40U);
  // Truncated anywhere after the gzip header: the stream ends before its trailer.
  for (std::size_t keep : {std::size_t{12}, full.size() / 2, full.size() - 4}) {
    const std::string path = dir.file("trunc" + std::to_string(keep) + ".gz");
    write_plain(path, std::vector<std::uint8_t>(full.begin(),
                                                full.begin() + static_cast<std::ptrdiff_t>(keep)));
    const std::string msg = error_of([&] { wd::read_idx(path); });
    EXPECT_TRUE(contains(msg, path)) << msg;
    EXPECT_TRUE(contains(msg, "gzip error")) << msg;
  }
  auto corrupt = full;
  corrupt[corrupt.size() - 6] ^= 0xFF;  // the CRC32 in the trailer
  write_plain(dir.file("crc.gz"), corrupt);
  const std::string msg = error_of([&] { wd::read_idx(dir.file("crc.gz")); });
  EXPECT_TRUE(contains(msg, "gzip error")) << msg;
  EXPECT_TRUE(contains(msg, dir.file("crc.gz"))) << msg;
}

TEST(Idx, TruncatedRealFileIsRejected) {
  TempDir dir;
  const std::string src = std::string(wd::kFashionMnistPackageDir) + "/t10k-labels-idx1-ubyte.gz";
  ASSERT_TRUE(fs::exists(src)) << wd::missing_file_message("IDX file", src);
  const auto full = read_all(src);
  write_plain(dir.file("t.gz"),
              std::vector<std::uint8_t>(
                  full.begin(), full.begin() + static_cast<std::ptrdiff_t>(full.size() / 2)));
  EXPECT_TRUE(contains(error_of([&] { wd::read_idx(dir.file("t.gz")); }), "truncated gzip stream"));
}

TEST(Idx, MissingFileNamesPathAndInstallHint) {
  const std::string pkg = std::string(wd::kFashionMnistPackageDir) + "/no-such-idx1-ubyte.gz";
  const std::string msg = error_of([&] { wd::read_idx(pkg); });
  EXPECT_TRUE(contains(msg, pkg)) << msg;
  EXPECT_TRUE(contains(msg, "install it with: apt-get install dataset-fashion-mnist")) << msg;
  const std::string other = "/nonexistent-wi/x-idx1-ubyte.gz";
  const std::string msg2 = error_of([&] { wd::read_idx(other); });
  EXPECT_TRUE(contains(msg2, other)) << msg2;
  EXPECT_FALSE(contains(msg2, "apt-get")) << msg2;
}

TEST(FashionMnist, MissingDirErrors) {
  const std::string msg =
      error_of([] { wd::load_fashion_mnist(wd::Split::Train, "/nonexistent-wi"); });
  EXPECT_TRUE(contains(msg, "/nonexistent-wi")) << msg;
  EXPECT_TRUE(contains(msg, "not found")) << msg;
  TempDir dir;  // exists but empty: the first file is named
  const std::string msg2 = error_of([&] { wd::load_fashion_mnist(wd::Split::Test, dir.file("")); });
  EXPECT_TRUE(contains(msg2, "t10k-images-idx3-ubyte.gz")) << msg2;
  // The package's own directory, when absent, gets the install hint.
  EXPECT_EQ(wd::missing_file_message("Fashion-MNIST directory", wd::kFashionMnistPackageDir),
            "Fashion-MNIST directory not found: /usr/share/datasets/fashion-mnist; "
            "install it with: apt-get install dataset-fashion-mnist");
}

TEST(FashionMnist, DefaultDirHonoursEnv) {
  ::unsetenv("WEIGHTINIT_FASHION_MNIST_DIR");
  EXPECT_EQ(wd::default_dir(), "/usr/share/datasets/fashion-mnist");
  ::setenv("WEIGHTINIT_FASHION_MNIST_DIR", "/tmp/fm", 1);
  EXPECT_EQ(wd::default_dir(), "/tmp/fm");
  ::unsetenv("WEIGHTINIT_FASHION_MNIST_DIR");
}

// ----------------------------------------------------------------------- real Fashion-MNIST data
TEST(FashionMnist, ShapesCountsAndLabels) {
  for (auto [split, key, n] :
       {std::tuple{wd::Split::Train, "train", 60000}, std::tuple{wd::Split::Test, "test", 10000}}) {
    const wd::Dataset& d = real(split);
    const auto& f = facts()[key];
    EXPECT_EQ(d.images.sizes(), (wi::Shape{n, 1, 28, 28}));
    EXPECT_EQ(d.images.dtype(), wi::DType::Float32);
    ASSERT_EQ(d.size(), n);
    std::vector<std::int64_t> counts(10, 0);
    for (std::int64_t y : d.labels) {
      ASSERT_TRUE(y >= 0 && y <= 9);
      ++counts[static_cast<std::size_t>(y)];
    }
    EXPECT_EQ(counts, std::vector<std::int64_t>(10, n / 10));
    EXPECT_EQ(counts, f["class_counts"].get<std::vector<std::int64_t>>());
    const auto first = f["first_labels"].get<std::vector<std::int64_t>>();
    EXPECT_TRUE(std::equal(first.begin(), first.end(), d.labels.begin()));
  }
}

TEST(FashionMnist, PixelsMatchNumpy) {
  for (auto [split, key, name] :
       {std::tuple{wd::Split::Train, "train", "train-images-idx3-ubyte.gz"},
        std::tuple{wd::Split::Test, "test", "t10k-images-idx3-ubyte.gz"}}) {
    const auto& f = facts()[key];
    // Raw bytes through read_idx: checksums against numpy.
    const wd::IdxArray raw = wd::read_idx(std::string(wd::kFashionMnistPackageDir) + "/" + name);
    EXPECT_EQ(raw.dims, f["images_shape"].get<wi::Shape>());
    std::uint64_t sum = 0;
    for (std::uint8_t v : raw.data) {
      sum += v;
    }
    EXPECT_EQ(sum, f["pixel_sum"].get<std::uint64_t>());
    std::uint64_t s0 = 0, slast = 0;
    for (std::size_t i = 0; i < 784; ++i) {
      s0 += raw.data[i];
      slast += raw.data[raw.data.size() - 784 + i];
    }
    EXPECT_EQ(s0, f["image0_sum"].get<std::uint64_t>());
    EXPECT_EQ(slast, f["last_image_sum"].get<std::uint64_t>());
    const auto row = f["image0_row14"].get<std::vector<int>>();
    for (std::size_t c = 0; c < 28; ++c) {
      EXPECT_EQ(raw.data[14 * 28 + c], row[c]) << c;
    }
  }
  // Normalized pixels: bit-equal to torchvision's ToTensor + Normalize(0.2860, 0.3530).
  const wd::Dataset& d = real(wd::Split::Train);
  const auto norm = facts()["train"]["image0_row14_normalized"].get<std::vector<float>>();
  for (std::int64_t c = 0; c < 28; ++c) {
    EXPECT_EQ(static_cast<float>(d.images.item({0, 0, 14, c})), norm[static_cast<std::size_t>(c)])
        << c;
  }
}

TEST(FashionMnist, NormalizedTrainSetHasMeanZeroStdOne) {
  const wd::Dataset& d = real(wd::Split::Train);
  const float* p = d.images.data_ptr<float>();
  double s = 0, ss = 0;
  const auto n = static_cast<std::size_t>(d.images.numel());
  for (std::size_t i = 0; i < n; ++i) {
    s += p[i];
    ss += static_cast<double>(p[i]) * p[i];
  }
  const double mean = s / static_cast<double>(n);
  const double sd = std::sqrt(ss / static_cast<double>(n) - mean * mean);
  // The constants are rounded to 4 digits (exact: 0.28604 / 0.35302): |mean| < 2e-4,
  // |std - 1| < 2e-4 on the train set.
  EXPECT_LT(std::abs(mean), 2e-4) << mean;
  EXPECT_LT(std::abs(sd - 1.0), 2e-4) << sd;
  const double m01 = facts()["train"]["mean01"].get<double>();
  const double s01 = facts()["train"]["std01"].get<double>();
  EXPECT_NEAR(mean, (m01 - 0.2860) / 0.3530, 1e-6);
  EXPECT_NEAR(sd, s01 / 0.3530, 1e-6);
}

// ------------------------------------------------------------------------------ synthetic data
// Fashion-MNIST for a (1, 32, 32) model: 2 background pixels on each side, the 28x28 image in
// the middle, labels kept; shapes that padding cannot reach are returned unchanged.
TEST(FitToInput, PadsTwentyEightToThirtyTwoWithTheBackground) {
  wd::Dataset d;
  std::vector<float> pixels(2 * 28 * 28);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<float>(i) + 1.0f;
  d.images = wi::Tensor::from_data<float>(pixels, {2, 1, 28, 28});
  d.labels = {3, 7};
  const wd::Dataset padded = wd::fit_to_input(d, {1, 32, 32});
  ASSERT_EQ(padded.images.sizes(), (wi::Shape{2, 1, 32, 32}));
  EXPECT_EQ(padded.labels, d.labels);
  const auto v = padded.images.to_vector<float>();
  const float bg = (0.0f - 0.2860f) / 0.3530f;
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t r = 0; r < 32; ++r) {
      for (std::int64_t c = 0; c < 32; ++c) {
        const float got = v[static_cast<std::size_t>(n * 1024 + r * 32 + c)];
        const bool inside = r >= 2 && r < 30 && c >= 2 && c < 30;
        const float want =
            inside ? pixels[static_cast<std::size_t>(n * 784 + (r - 2) * 28 + c - 2)] : bg;
        ASSERT_EQ(got, want) << n << " " << r << " " << c;
      }
    }
  }
  // Unchanged: the data's own shape, 3 channels, odd or smaller margins, non-4-D images.
  for (const wi::Shape& input : {wi::Shape{1, 28, 28}, wi::Shape{3, 32, 32}, wi::Shape{1, 31, 31},
                                 wi::Shape{1, 24, 24}, wi::Shape{784}}) {
    EXPECT_EQ(wd::fit_to_input(d, input).images.sizes(), (wi::Shape{2, 1, 28, 28}))
        << wi::shape_str(input);
  }
  EXPECT_EQ(wd::fit_to_input(d, {1, 28, 36}).images.sizes(), (wi::Shape{2, 1, 28, 36}));
  try {
    (void)wd::pad_images(d, -1, 0, 0.0f);
    ADD_FAILURE() << "a negative pad was accepted";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(), "pad_images: the padding must be >= 0, but got -1 rows and 0 columns");
  }
  wd::Dataset flat;
  flat.images = wi::Tensor::zeros({2, 784});
  flat.labels = {0, 1};
  EXPECT_THROW((void)wd::pad_images(flat, 1, 1, 0.0f), wi::ValueError);
}

TEST(Synthetic, ShapesLabelsAndTorchDraws) {
  wi::Generator gen(7);
  const wd::Dataset d = wd::synthetic_gaussian(5, {3}, 4, gen);
  EXPECT_EQ(d.images.sizes(), (wi::Shape{5, 3}));
  const auto& ref = facts()["synthetic_seed7_n5_shape3_classes4"];
  EXPECT_EQ(d.images.to_vector<float>(), ref["x"].get<std::vector<float>>());
  EXPECT_EQ(d.labels, ref["y"].get<std::vector<std::int64_t>>());

  wi::Generator g2(1);
  const wd::Dataset e = wd::synthetic_gaussian(1000, {1, 4, 4}, 3, g2);
  EXPECT_EQ(e.images.sizes(), (wi::Shape{1000, 1, 4, 4}));
  ASSERT_EQ(e.size(), 1000);
  std::set<std::int64_t> seen(e.labels.begin(), e.labels.end());
  EXPECT_EQ(seen, (std::set<std::int64_t>{0, 1, 2}));
  EXPECT_THROW(wd::synthetic_gaussian(-1, {2}, 3, g2), wi::ValueError);
  EXPECT_THROW(wd::synthetic_gaussian(2, {2}, 0, g2), wi::ValueError);
  EXPECT_THROW(wd::synthetic_gaussian(2, {-2}, 3, g2), wi::ValueError);
}

// ---------------------------------------------------------------------------------- DataLoader
namespace {
wd::Dataset arange_dataset(std::int64_t n) {
  wd::Dataset d;
  d.images = wi::Tensor::empty({n, 2});
  for (std::int64_t i = 0; i < n; ++i) {
    d.images.set_item({i, 0}, static_cast<double>(i));
    d.images.set_item({i, 1}, static_cast<double>(-i));
    d.labels.push_back(i % 10);
  }
  return d;
}

std::vector<std::vector<std::int64_t>> run_epoch(wd::DataLoader& loader) {
  std::vector<std::vector<std::int64_t>> out;
  while (auto b = loader.next()) {
    out.push_back(b->indices);
  }
  return out;
}
}  // namespace

TEST(DataLoader, EveryIndexOncePerEpochAndBatchContents) {
  const wd::Dataset d = arange_dataset(103);
  wi::Generator gen(3);
  wd::DataLoader loader(d, 10, true, gen);
  EXPECT_EQ(loader.num_batches(), 11);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::int64_t> all;
    std::int64_t batches = 0;
    while (auto b = loader.next()) {
      ++batches;
      const auto bs = static_cast<std::int64_t>(b->indices.size());
      EXPECT_EQ(b->x.sizes(), (wi::Shape{bs, 2}));
      for (std::int64_t k = 0; k < bs; ++k) {
        const std::int64_t idx = b->indices[static_cast<std::size_t>(k)];
        EXPECT_EQ(b->x.item({k, 0}), static_cast<double>(idx));
        EXPECT_EQ(b->x.item({k, 1}), static_cast<double>(-idx));
        EXPECT_EQ(b->y[static_cast<std::size_t>(k)], idx % 10);
      }
      EXPECT_EQ(bs, batches == 11 ? 3 : 10);
      all.insert(all.end(), b->indices.begin(), b->indices.end());
    }
    EXPECT_EQ(batches, 11);
    std::sort(all.begin(), all.end());
    for (std::int64_t i = 0; i < 103; ++i) {
      ASSERT_EQ(all[static_cast<std::size_t>(i)], i);
    }
  }
  EXPECT_EQ(loader.epoch(), 2);
}

TEST(DataLoader, DropLastAndSequential) {
  const wd::Dataset d = arange_dataset(103);
  wi::Generator gen(3);
  wd::DataLoader dl(d, 10, true, gen, /*drop_last=*/true);
  EXPECT_EQ(dl.num_batches(), 10);
  const auto e = run_epoch(dl);
  ASSERT_EQ(e.size(), 10U);
  for (const auto& b : e) {
    EXPECT_EQ(b.size(), 10U);
  }
  wd::DataLoader seq(d, 25, false, gen);
  const auto s = run_epoch(seq);
  ASSERT_EQ(s.size(), 5U);
  EXPECT_EQ(s[4], (std::vector<std::int64_t>{100, 101, 102}));
  EXPECT_EQ(s[1].front(), 25);
  EXPECT_THROW(wd::DataLoader(d, 0, true, gen), wi::ValueError);
}

TEST(DataLoader, ShuffleDeterministicPerSeedAndDiffersAcrossEpochs) {
  const wd::Dataset d = arange_dataset(50);
  wi::Generator g1(11), g2(11), g3(12);
  wd::DataLoader a(d, 8, true, g1), b(d, 8, true, g2), c(d, 8, true, g3);
  const auto a1 = run_epoch(a), a2 = run_epoch(a);
  EXPECT_EQ(a1, run_epoch(b));
  EXPECT_EQ(a2, run_epoch(b));
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1, run_epoch(c));
}

TEST(DataLoader, MatchesTorchDataLoaderOrder) {
  for (const auto& [key, ref] : facts()["dataloader_seed0"].items()) {
    const std::int64_t n = key.rfind("n10", 0) == 0 ? 10 : key.rfind("n9", 0) == 0 ? 9 : 5;
    const bool shuffle = key.find("noshuffle") == std::string::npos;
    const bool drop = key.find("drop1") != std::string::npos;
    const std::int64_t bs = shuffle ? 3 : 2;
    const wd::Dataset d = arange_dataset(n);
    wi::Generator gen(0);
    wd::DataLoader loader(d, bs, shuffle, gen, drop);
    for (const auto& epoch : ref["epochs"]) {
      EXPECT_EQ(run_epoch(loader), epoch.get<std::vector<std::vector<std::int64_t>>>()) << key;
    }
    // The generator is left in torch's state: torch.randint(0, 2**31, (1,)) = random() % 2^31.
    EXPECT_EQ(gen.random() % (std::uint32_t{1} << 31), ref["next_randint31"].get<std::uint32_t>())
        << key;
  }
}
