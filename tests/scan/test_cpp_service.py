"""A LibTorch service as such services are written: every TorchScript API it uses is a finding, at its
place, and the same method names on other objects (pybind11's `attr`, a tensor's `to`) are not."""

from pathlib import Path

from migrate.scan import ScanConfig, scan

SERVICE = Path(__file__).parent / "data" / "libtorch_service.cpp"


def test_every_torchscript_api_of_a_libtorch_service():
    result = scan([str(SERVICE)], ScanConfig(cache_dir=""), root=str(SERVICE.parent))
    found = {(f.line, f.rule, f.api) for f in result.findings}
    assert found == {
        (1, "TS904", "torch/script.h"),
        (6, "TS907", "torch::jit::getProfilingMode"),
        (7, "TS906", "torch::jit::setFusionStrategy"),
        (7, "TS906", "torch::jit::FusionBehavior"),
        (8, "TS902", "torch::jit::script::Module"),
        (8, "TS901", "torch::jit::load"),
        (9, "TS911", "torch::jit::Module::to"),
        (10, "TS909", "torch::jit::optimize_for_inference"),
        (10, "TS908", "torch::jit::freeze"),
        (11, "TS905", "torch::jit::IValue"),
        (14, "TS910", "torch::jit::Module::attr"),
        (15, "TS910", "torch::jit::Module::get_method"),
    }
    (attr,) = [f for f in result.findings if f.api == "torch::jit::Module::attr"]
    assert (attr.column, attr.end_column) == (16, 27)  # `module.attr`, not `o.attr` on line 16
