// SPDX-License-Identifier: MIT
// The seed tour: test01..test07 of the seed document "深度学习入门(三)参数初始化" in C++.
// As in the document, one generator is seeded once with 40 and the tests run in order on it;
// each builds nn.Linear(5, 3) (whose constructor draws 18 words) and then applies its init.
// The nine printed tensors are exactly the ones PyTorch prints.
#include <iostream>

#include "weightinit/init/init.h"
#include "weightinit/nn/linear.h"

namespace wi = weightinit;
namespace init = weightinit::init;

namespace {

void show(const char* title, wi::nn::Linear& linear) {
  std::cout << "# " << title << "\n" << linear.weight() << "\n";
}

}  // namespace

int main() {
  wi::manual_seed(40);  // torch.manual_seed(40)

  {  // test01
    wi::nn::Linear linear(5, 3);
    init::uniform_(linear.weight(), 0.0, 1.0);
    show("test01: nn.init.uniform_(linear.weight, a=0.0, b=1.0)", linear);
  }
  {  // test02
    wi::nn::Linear linear(5, 3);
    init::normal_(linear.weight(), 0, 1);
    show("test02: nn.init.normal_(linear.weight, mean=0, std=1)", linear);
  }
  {  // test03
    wi::nn::Linear linear(5, 3);
    init::zeros_(linear.weight());
    show("test03: nn.init.zeros_(linear.weight)", linear);
  }
  {  // test04
    wi::nn::Linear linear(5, 3);
    init::ones_(linear.weight());
    show("test04: nn.init.ones_(linear.weight)", linear);
  }
  {  // test05
    wi::nn::Linear linear(5, 3);
    init::constant_(linear.weight(), 5);
    show("test05: nn.init.constant_(linear.weight, 5)", linear);
  }
  {  // test06
    wi::nn::Linear normal(5, 3);
    init::kaiming_normal_(normal.weight());
    show("test06: nn.init.kaiming_normal_(linear.weight)", normal);
    wi::nn::Linear uniform(5, 3);
    init::kaiming_uniform_(uniform.weight());
    show("test06: nn.init.kaiming_uniform_(linear.weight)", uniform);
  }
  {  // test07
    wi::nn::Linear normal(5, 3);
    init::xavier_normal_(normal.weight());
    show("test07: nn.init.xavier_normal_(linear.weight)", normal);
    wi::nn::Linear uniform(5, 3);
    init::xavier_uniform_(uniform.weight());
    show("test07: nn.init.xavier_uniform_(linear.weight)", uniform);
  }
}
