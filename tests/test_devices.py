import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from rewardkit.devices import make_accelerator  # noqa: E402
from tests.conftest import needs_cuda  # noqa: E402


def test_one_process_can_run_with_different_precisions_one_after_another():
    assert make_accelerator("cpu", bf16=True).mixed_precision == "bf16"
    assert make_accelerator("cpu", bf16=False).mixed_precision == "no"
    assert make_accelerator("cpu").device.type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
def test_asking_for_cuda_without_it_is_an_error():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        make_accelerator("cuda")


@needs_cuda
def test_one_process_can_switch_between_cuda_and_cpu():
    first = make_accelerator("auto")
    assert first.device.type == "cuda" and first.mixed_precision == "bf16"
    assert make_accelerator("cpu").device.type == "cpu"
    again = make_accelerator("cuda", bf16=False)
    assert again.device.type == "cuda" and again.mixed_precision == "no"
