// TorchScript reference runner: loads a `.pt` archive (torch.jit.save / ScriptModule.save) with
// torch::jit::load and times `forward` on the tensors of a tensor file.
//
//   torchscript_runner model.pt --inputs in.tensors --outputs out.tensors --threads 1
//
// A 0-d input tensor is passed as a Python scalar where `forward` declares bool, int or float, so a
// `forward(x, greedy: bool)` can be run from a tensor file. Outputs (a tensor, or tuples, lists and
// dicts of them) are flattened depth-first in order, like torch.utils._pytree; scalars become 0-d tensors.
#include "bench.h"

#include <torch/script.h>

namespace {

// The declared type of each argument of `forward`, after `self`.
std::vector<c10::TypeKind> argument_kinds(const torch::jit::Module& module) {
  std::vector<c10::TypeKind> kinds;
  const auto& declared = module.get_method("forward").function().getSchema().arguments();
  for (size_t i = 1; i < declared.size(); ++i) kinds.push_back(declared[i].type()->kind());
  return kinds;
}

std::vector<c10::IValue> to_arguments(const std::vector<c10::TypeKind>& kinds, const std::vector<at::Tensor>& inputs) {
  std::vector<c10::IValue> args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const at::Tensor& t = inputs[i];
    const c10::TypeKind kind = i < kinds.size() ? kinds[i] : c10::TypeKind::TensorType;
    if (t.dim() == 0 && kind == c10::TypeKind::BoolType) args.emplace_back(t.item<bool>());
    else if (t.dim() == 0 && kind == c10::TypeKind::IntType) args.emplace_back(t.item<int64_t>());
    else if (t.dim() == 0 && kind == c10::TypeKind::FloatType) args.emplace_back(t.item<double>());
    else args.emplace_back(t);
  }
  return args;
}

void flatten(const c10::IValue& value, std::vector<at::Tensor>& out) {
  if (value.isTensor()) out.push_back(value.toTensor());
  else if (value.isTuple()) for (const auto& v : value.toTupleRef().elements()) flatten(v, out);
  else if (value.isList()) for (const auto& v : value.toListRef()) flatten(v, out);
  else if (value.isGenericDict()) for (const auto& item : value.toGenericDict()) flatten(item.value(), out);
  else if (value.isBool()) out.push_back(at::scalar_tensor(value.toBool(), at::kBool));
  else if (value.isInt()) out.push_back(at::scalar_tensor(value.toInt(), at::kLong));
  else if (value.isDouble()) out.push_back(at::scalar_tensor(value.toDouble(), at::kDouble));
  else if (!value.isNone()) throw std::runtime_error("output of type " + value.tagKind() + " is not supported");
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_benchmark("torchscript", argc, argv, [](const bench::Options& options) -> bench::RunFn {
    auto module = std::make_shared<torch::jit::Module>(torch::jit::load(options.model));
    module->eval();
    const auto kinds = argument_kinds(*module);
    return [module, kinds](const std::vector<at::Tensor>& inputs) {
      std::vector<at::Tensor> outputs;
      flatten(module->forward(to_arguments(kinds, inputs)), outputs);
      return outputs;
    };
  });
}
