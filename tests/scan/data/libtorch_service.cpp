#include <torch/script.h>
#include <pybind11/pybind11.h>
namespace py = pybind11;

int main(int argc, char** argv) {
  torch::jit::getProfilingMode() = false;
  torch::jit::setFusionStrategy({{torch::jit::FusionBehavior::STATIC, 2}});
  torch::jit::script::Module module = torch::jit::load(argv[1]);
  module.to(torch::kCPU);
  module = torch::jit::optimize_for_inference(torch::jit::freeze(module));
  std::vector<torch::jit::IValue> inputs;
  inputs.push_back(torch::ones({1, 3}));
  auto out = module.forward(inputs).toTensor();
  auto scale = module.attr("scale").toDouble();
  auto enc = module.get_method("encode");
  py::object o; o.attr("x");
  auto t = out.to(torch::kFloat);
}
