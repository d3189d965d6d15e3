// SPDX-License-Identifier: MIT
// Umbrella header: every public header of weightinit, layer by layer (docs/design.md).
// scripts/check_layers.py fails when a public header is missing here.
#pragma once

// core: tensors, random numbers (torch's MT19937 and Philox), the init schemes
#include "weightinit/dtype.h"
#include "weightinit/error.h"
#include "weightinit/init/expression.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"
#include "weightinit/init/structured.h"
#include "weightinit/init/timm.h"
#include "weightinit/init/variance_scaling.h"
#include "weightinit/init/warnings.h"
#include "weightinit/random/arith_mode.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/mt19937.h"
#include "weightinit/random/mt19937_jump.h"
#include "weightinit/random/philox.h"
#include "weightinit/random/philox_stream.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/random/torch_version.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/tensor/memory_cache.h"
#include "weightinit/tensor/print.h"
#include "weightinit/tensor/shape.h"
#include "weightinit/tensor/state_dict.h"
#include "weightinit/tensor/tensor.h"
#include "weightinit/threads.h"

// io: safetensors files
#include "weightinit/io/atomic_file.h"
#include "weightinit/io/safetensors.h"

// data: datasets
#include "weightinit/data/dataset.h"
#include "weightinit/data/idx.h"

// nn: modules and functional kernels
#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/conv_backend.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/module.h"
#include "weightinit/nn/module_types.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/pooling.h"
#include "weightinit/nn/rezero.h"
#include "weightinit/nn/transformers_conv1d.h"

// models: the model zoo
#include "weightinit/models/c3d.h"
#include "weightinit/models/cifar_resnet.h"
#include "weightinit/models/convnext.h"
#include "weightinit/models/densenet.h"
#include "weightinit/models/efficientnet.h"
#include "weightinit/models/gpt2.h"
#include "weightinit/models/llama.h"
#include "weightinit/models/mlp.h"
#include "weightinit/models/mobilenet.h"
#include "weightinit/models/registry.h"
#include "weightinit/models/regnet.h"
#include "weightinit/models/resnet.h"
#include "weightinit/models/seed_mlp.h"
#include "weightinit/models/small_cnn.h"
#include "weightinit/models/swin_transformer.h"
#include "weightinit/models/transformers_config.h"
#include "weightinit/models/vgg.h"
#include "weightinit/models/vision_transformer.h"
#include "weightinit/models/wide_resnet_cifar.h"

// train: losses, optimizers, the trainer
#include "weightinit/train/loss.h"
#include "weightinit/train/optimizer.h"
#include "weightinit/train/progress.h"
#include "weightinit/train/trainer.h"

// recipes: policies, LSUV, the sharded init writer
#include "weightinit/recipes/layers.h"
#include "weightinit/recipes/lsuv.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/recipes/sharded_writer.h"
#include "weightinit/recipes/torch_construction.h"

// diag: summaries, probes, comparisons, plots
#include "weightinit/diag/compare.h"
#include "weightinit/diag/plot.h"
#include "weightinit/diag/probe.h"
#include "weightinit/diag/probe_inits.h"
#include "weightinit/diag/report_charts.h"
#include "weightinit/diag/report_html.h"
#include "weightinit/diag/reports.h"
#include "weightinit/diag/structure.h"
#include "weightinit/diag/summary.h"
#include "weightinit/diag/torchinfo_summary.h"

// search: the search over inits
#include "weightinit/search/search.h"
#include "weightinit/search/search_report.h"
#include "weightinit/search/space.h"
