# Entry points of the README quick start. `make demo` and `make test` each install what is
# missing (scripts/install-deps.sh), configure and build in Release, then run.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# The Python package (python/, issue #22) is built against the PyTorch 2.x oracle's venv, which
# scripts/install-torch2.sh fills with nanobind, scikit-build-core and pytest.
TORCH2_VENV ?= $(or $(WEIGHTINIT_TORCH2_VENV),$(HOME)/.cache/weightinit/torch2-venv)
PYTHON_FLAGS ?= -DWEIGHTINIT_BUILD_PYTHON=ON -DPython_EXECUTABLE=$(TORCH2_VENV)/bin/python

.PHONY: deps configure build demo test bench clean format golden

deps:
	bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(PYTHON_FLAGS) $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	$(BUILD_DIR)/examples/demo
	@echo
	@echo "== The seed tour: seed document 004's test01..test07, one generator seeded with 40 =="
	$(BUILD_DIR)/examples/seed_tour

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	bash scripts/check-pip-install.sh $(TORCH2_VENV)

bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target bench_sampling
	bash bench/run_sampling_bench.sh $(BUILD_DIR)

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD_DIR)

# Regenerates every golden file from the installed PyTorch (see tools/torch_golden.py).
golden: deps
	/usr/bin/python3 tools/torch_golden.py golden --mode avx2
	/usr/bin/python3 tools/torch_golden.py golden --mode default
	/usr/bin/python3 tools/torch_golden.py demo
	/usr/bin/python3 tools/torch_golden.py seed-tour
	/usr/bin/python3 tools/torch_golden.py modules
	/usr/bin/python3 tools/torch_golden.py summaries
	/usr/bin/python3 tools/golden/gen_print_golden.py
	/usr/bin/python3 tools/golden/gen_functional_golden.py
	/usr/bin/python3 tools/golden/gen_train_golden.py
	/usr/bin/python3 tools/golden/fashion_mnist_facts.py
