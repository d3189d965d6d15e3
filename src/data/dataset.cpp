// SPDX-License-Identifier: MIT
// Fashion-MNIST loading and normalization, synthetic Gaussian data and the DataLoader.
#include "weightinit/data/dataset.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "weightinit/data/idx.h"
#include "weightinit/error.h"
#include "weightinit/random/sampling.h"

namespace weightinit::data {

std::string default_dir() {
  const char* env = std::getenv("WEIGHTINIT_FASHION_MNIST_DIR");
  if (env != nullptr && *env != '\0') {
    return env;
  }
  return kFashionMnistPackageDir;
}

Dataset load_fashion_mnist(Split split, const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw IoError(missing_file_message("Fashion-MNIST directory", dir));
  }
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string image_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string label_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  const IdxArray images = read_idx(image_path);
  const IdxArray labels = read_idx(label_path);
  if (images.dims.size() != 3 || images.dims[1] != 28 || images.dims[2] != 28) {
    throw IoError("IDX file " + image_path + ": images must have dims [N, 28, 28], got " +
                  shape_str(images.dims));
  }
  if (labels.dims.size() != 1 || labels.dims[0] != images.dims[0]) {
    throw IoError("IDX file " + label_path + ": labels must have dims [" +
                  std::to_string(images.dims[0]) + "] to match " + image_path + ", got " +
                  shape_str(labels.dims));
  }
  const std::int64_t n = images.dims[0];
  Dataset out;
  out.labels.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < out.labels.size(); ++i) {
    const std::uint8_t v = labels.data[i];
    if (v > 9) {
      throw IoError("IDX file " + label_path + ": label " + std::to_string(v) + " at index " +
                    std::to_string(i) + " is not in 0..9");
    }
    out.labels[i] = v;
  }
  out.images = Tensor::empty({n, 1, 28, 28}, DType::Float32);
  float* dst = out.images.data_ptr<float>();
  for (std::size_t i = 0; i < images.data.size(); ++i) {
    // ToTensor: byte -> float / 255; Normalize: sub_(mean) then div_(std), all float32.
    const float x = static_cast<float>(images.data[i]) / 255.0f;
    dst[i] = (x - kFashionMnistMean) / kFashionMnistStd;
  }
  return out;
}

Dataset pad_images(const Dataset& data, std::int64_t pad_h, std::int64_t pad_w, float value) {
  WEIGHTINIT_CHECK(pad_h >= 0 && pad_w >= 0, ValueError,
                   "pad_images: the padding must be >= 0, but got ", pad_h, " rows and ", pad_w,
                   " columns");
  WEIGHTINIT_CHECK(data.images.defined() && data.images.dim() == 4, ValueError,
                   "pad_images: expected images of shape (N, C, H, W), but got ",
                   data.images.defined() ? shape_str(data.images.sizes()) : "none");
  const Shape& s = data.images.sizes();
  Dataset out;
  out.labels = data.labels;
  out.images =
      Tensor::full({s[0], s[1], s[2] + 2 * pad_h, s[3] + 2 * pad_w}, value, data.images.dtype());
  out.images.slice(2, pad_h, pad_h + s[2]).slice(3, pad_w, pad_w + s[3]).copy_(data.images);
  return out;
}

Dataset fit_to_input(Dataset data, const Shape& input_size) {
  if (!data.images.defined() || data.images.dim() != 4 || input_size.size() != 3) return data;
  const Shape& s = data.images.sizes();
  if (s[1] != 1 || s[2] != 28 || s[3] != 28 || input_size[0] != 1) return data;
  const std::int64_t h = input_size[1], w = input_size[2];
  if (h < 28 || w < 28 || (h - 28) % 2 != 0 || (w - 28) % 2 != 0 || (h == 28 && w == 28)) {
    return data;
  }
  return pad_images(data, (h - 28) / 2, (w - 28) / 2, kFashionMnistBackground);
}

Dataset synthetic_gaussian(std::int64_t n, Shape sample_shape, std::int64_t classes,
                           Generator& gen) {
  WEIGHTINIT_CHECK(n >= 0, ValueError, "synthetic_gaussian: n must be >= 0, got ", n);
  WEIGHTINIT_CHECK(classes >= 1, ValueError, "synthetic_gaussian: classes must be >= 1, got ",
                   classes);
  Shape shape{n};
  for (std::int64_t s : sample_shape) {
    WEIGHTINIT_CHECK(s >= 0, ValueError, "synthetic_gaussian: negative size in sample shape ",
                     shape_str(sample_shape));
    shape.push_back(s);
  }
  Dataset out;
  out.images = randn(shape, DType::Float32, gen);
  out.labels.resize(static_cast<std::size_t>(n));
  const auto range = static_cast<std::uint64_t>(classes);
  for (auto& label : out.labels) {
    // torch.randint's CPU kernel: random() % range for ranges below 2^32, random64() above.
    const std::uint64_t r = range < (std::uint64_t{1} << 32) ? gen.random() : gen.random64();
    label = static_cast<std::int64_t>(r % range);
  }
  return out;
}

DataLoader::DataLoader(const Dataset& data, std::int64_t batch_size, bool shuffle, Generator& gen,
                       bool drop_last)
    : data_(&data),
      batch_size_(batch_size),
      shuffle_(shuffle),
      gen_(&gen),
      drop_last_(drop_last),
      n_(data.size()) {
  WEIGHTINIT_CHECK(batch_size >= 1, ValueError, "DataLoader: batch_size must be >= 1, got ",
                   batch_size);
  WEIGHTINIT_CHECK(data.images.defined() && data.images.dim() >= 1 && data.images.size(0) == n_,
                   ValueError, "DataLoader: the dataset has ", n_,
                   " labels but its images do not have that many samples");
  images_ = data.images.contiguous();
  sample_numel_ = n_ == 0 ? 0 : images_.numel() / n_;
}

std::int64_t DataLoader::num_batches() const {
  return drop_last_ ? n_ / batch_size_ : (n_ + batch_size_ - 1) / batch_size_;
}

void DataLoader::start_epoch() {
  (void)gen_->random64();  // torch's _BaseDataLoaderIter._base_seed
  if (shuffle_) {
    order_ = randperm(n_, *gen_);
  } else {
    order_.resize(static_cast<std::size_t>(n_));
    for (std::int64_t i = 0; i < n_; ++i) {
      order_[static_cast<std::size_t>(i)] = i;
    }
  }
  pos_ = 0;
  state_ = State::Running;
  ++epoch_;
}

void DataLoader::finish_sampler() {
  // RandomSampler.__iter__ ends with `yield from randperm(n)[:num_samples % n]`: reached when
  // the sampler is exhausted, it draws one more permutation and yields none of it.
  if (shuffle_) {
    (void)randperm(n_, *gen_);
  }
}

std::optional<Batch> DataLoader::next() {
  if (state_ == State::Drained) {
    state_ = State::Idle;  // the sampler ran dry during the short last batch
    return std::nullopt;
  }
  if (state_ == State::Idle) {
    start_epoch();
  }
  std::int64_t count = batch_size_;
  if (pos_ + batch_size_ > n_) {
    // Building this batch runs the sampler dry (torch's BatchSampler asks for element n).
    finish_sampler();
    count = drop_last_ ? 0 : n_ - pos_;
    if (count == 0) {
      state_ = State::Idle;
      return std::nullopt;
    }
    state_ = State::Drained;
  }
  Batch b;
  Shape shape = images_.sizes();
  shape[0] = count;
  b.x = Tensor::empty(shape, images_.dtype());
  const std::size_t row_bytes = static_cast<std::size_t>(sample_numel_) * images_.element_size();
  const auto* src = static_cast<const unsigned char*>(images_.raw_data());
  auto* dst = static_cast<unsigned char*>(b.x.raw_data());
  b.y.reserve(static_cast<std::size_t>(count));
  b.indices.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) {
    const std::int64_t idx = order_[static_cast<std::size_t>(pos_ + k)];
    if (row_bytes > 0) {
      std::memcpy(dst + static_cast<std::size_t>(k) * row_bytes,
                  src + static_cast<std::size_t>(idx) * row_bytes, row_bytes);
    }
    b.y.push_back(data_->labels[static_cast<std::size_t>(idx)]);
    b.indices.push_back(idx);
  }
  pos_ += count;
  return b;
}

}  // namespace weightinit::data
