// SPDX-License-Identifier: MIT
// Datasets (Fashion-MNIST from Debian's package, synthetic Gaussian probes) and a DataLoader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/shape.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::data {

/// Samples and their class labels: images has shape (N, ...) and labels has N entries.
struct Dataset {
  /// (N, 1, 28, 28) float32 for Fashion-MNIST; (N, sample_shape...) for synthetic data.
  Tensor images;
  /// Class index of each sample, in 0..classes-1.
  std::vector<std::int64_t> labels;
  /// Number of samples (labels.size()).
  std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
};

/// Which file pair to read: train (60000 samples) or t10k (10000 samples).
enum class Split { Train, Test };

/// torchvision's customary FashionMNIST normalization constants (mean and std of the train
/// pixels scaled to [0,1]; tests/data/fashion_mnist_facts.json has the exact values
/// 0.28604 / 0.35302 computed from the files).
inline constexpr float kFashionMnistMean = 0.2860f;
/// See kFashionMnistMean.
inline constexpr float kFashionMnistStd = 0.3530f;

/// `$WEIGHTINIT_FASHION_MNIST_DIR` when set and non-empty, else kFashionMnistPackageDir
/// (/usr/share/datasets/fashion-mnist, where `apt-get install dataset-fashion-mnist` puts it).
std::string default_dir();

/// Reads `<dir>/train-{images-idx3,labels-idx1}-ubyte.gz` (Split::Train) or `t10k-...`
/// (Split::Test). Each pixel p becomes ((float)p / 255 - 0.2860f) / 0.3530f in float32, the
/// same operations as torchvision's ToTensor() then Normalize((0.2860,), (0.3530,)).
/// Throws IoError for a missing file (with the apt-get hint for the package dir), a malformed
/// file (see read_idx), images that are not (N, 28, 28), labels that are not (N,) with the
/// same N, or a label above 9.
Dataset load_fashion_mnist(Split split, const std::string& dir = default_dir());

/// The images of `data` ((N, C, H, W)) framed by `pad_h` rows above and below and `pad_w`
/// columns left and right of `value`, as a new (N, C, H + 2·pad_h, W + 2·pad_w) tensor; labels
/// unchanged. ValueError for negative pads or images that are not 4-D.
Dataset pad_images(const Dataset& data, std::int64_t pad_h, std::int64_t pad_w, float value);

/// The value a Fashion-MNIST pixel of 0 (the background) has after normalization:
/// (0 − 0.2860) / 0.3530.
inline constexpr float kFashionMnistBackground = (0.0f - kFashionMnistMean) / kFashionMnistStd;

/// Fashion-MNIST images shaped for a model that takes samples of `input_size`: when the images
/// are (N, 1, 28, 28) and input_size is (1, H, W) with H, W ≥ 28 and H − 28, W − 28 even (not
/// both 28), they are padded to (N, 1, H, W) with the background (pixel 0, i.e.
/// kFashionMnistBackground after normalization: torchvision's `Pad(p)` before `ToTensor()` and
/// `Normalize`), (H − 28) / 2 rows on top and bottom and (W − 28) / 2 columns on each side; so
/// (1, 32, 32), a CIFAR ResNet with in_channels=1, gets 2 on each side. Any other dataset or
/// shape is returned as it is (train::check_sample_size then names the mismatch).
Dataset fit_to_input(Dataset data, const Shape& input_size);

/// A probe dataset: images = randn({n, sample_shape...}, Float32, gen) (torch.randn's bits),
/// then labels = n draws of `gen.random() % classes`, the draws
/// `torch.randint(0, classes, (n,), generator=gen)` makes, so the same seed gives the same
/// tensors as `torch.randn(n, *shape, generator=g); torch.randint(0, classes, (n,), generator=g)`.
/// Throws ValueError for n < 0, classes < 1 or a negative size.
Dataset synthetic_gaussian(std::int64_t n, Shape sample_shape, std::int64_t classes,
                           Generator& gen);

/// One mini-batch: x has shape (B, sample dims...) and the dataset's dtype; y and indices have
/// B entries (indices are the sample positions in the dataset).
struct Batch {
  /// The samples, copied into a fresh contiguous tensor.
  Tensor x;
  /// Their labels.
  std::vector<std::int64_t> y;
  /// Their positions in the dataset.
  std::vector<std::int64_t> indices;
};

/// Iterates a Dataset in mini-batches, like `torch.utils.data.DataLoader(ds, batch_size,
/// shuffle, generator=g, drop_last)` with num_workers=0, and draws from `gen` exactly as that
/// loader draws from g (torch 1.13): at the start of each epoch one random64() (torch's
/// `_base_seed`), then, when shuffling, randperm(n, gen) gives the order; when the epoch's
/// sampler runs dry a second randperm(n, gen) is drawn and discarded (RandomSampler's
/// `randperm(n)[:num_samples % n]` tail). The order is therefore the same as torch's for the same
/// generator state. The dataset and generator must outlive the loader.
///
/// Usage: `while (auto b = loader.next()) { ... }` runs one epoch; the next call starts the next.
class DataLoader {
 public:
  /// Throws ValueError for batch_size < 1 or a dataset whose images and labels disagree.
  DataLoader(const Dataset& data, std::int64_t batch_size, bool shuffle, Generator& gen,
             bool drop_last = false);

  /// The next batch of the current epoch (starting one if none is running), or nullopt when
  /// the epoch is over; the call after nullopt starts a new epoch.
  std::optional<Batch> next();

  /// Batches per epoch, like `len(loader)`: ceil(n / batch_size), or floor with drop_last.
  std::int64_t num_batches() const;
  /// Epochs started so far.
  std::int64_t epoch() const { return epoch_; }
  /// Sample order of the current epoch (empty before the first next()).
  const std::vector<std::int64_t>& order() const { return order_; }

 private:
  void start_epoch();
  void finish_sampler();

  const Dataset* data_;
  Tensor images_;  // contiguous
  std::int64_t batch_size_;
  bool shuffle_;
  Generator* gen_;
  bool drop_last_;
  std::int64_t n_;
  std::int64_t sample_numel_;
  std::vector<std::int64_t> order_;
  std::int64_t pos_ = 0;
  enum class State { Idle, Running, Drained };
  State state_ = State::Idle;  // Drained: the short last batch was returned, nullopt is next
  std::int64_t epoch_ = 0;
};

}  // namespace weightinit::data
