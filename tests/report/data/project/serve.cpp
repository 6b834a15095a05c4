#include <torch/script.h>

int main(int argc, char** argv) {
  torch::jit::script::Module module = torch::jit::load(argv[1]);
  return 0;
}
