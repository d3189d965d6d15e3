// SPDX-License-Identifier: MIT
// Umbrella header: everything public in weightinit.
#pragma once

#include "weightinit/dtype.h"
#include "weightinit/error.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"
#include "weightinit/init/warnings.h"
#include "weightinit/nn/linear.h"
#include "weightinit/random/arith_mode.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/mt19937.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_version.h"
#include "weightinit/tensor/print.h"
#include "weightinit/tensor/shape.h"
#include "weightinit/tensor/tensor.h"
