// AOTInductor runner: loads a `.pt2` package (torch._inductor.aoti_compile_and_package) with
// torch::inductor::AOTIModelPackageLoader and times `run` on the tensors of a tensor file.
//
//   aoti_runner model.pt2 --inputs in.tensors --outputs out.tensors --threads 1
//
// The package takes the tensor leaves of the exported call's inputs, in order (non-tensor arguments
// were specialised at export time) and returns its flattened outputs.
#include "bench.h"

#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <cstdlib>

int main(int argc, char** argv) {
  // Make the compiled model check each input's dtype, shape and strides against what it was compiled
  // for, so a wrong input is an error instead of out-of-bounds reads. Must be set before the first run.
  // AOTI_RUNTIME_CHECK_INPUTS=0 in the environment turns the checks off (about 0.7 us a call).
  setenv("AOTI_RUNTIME_CHECK_INPUTS", "1", /*overwrite=*/0);
  return bench::run_benchmark("aoti", argc, argv, [](const bench::Options& options) -> bench::RunFn {
    auto loader = std::make_shared<torch::inductor::AOTIModelPackageLoader>(options.model);
    return [loader](const std::vector<at::Tensor>& inputs) { return loader->run(inputs); };
  });
}
