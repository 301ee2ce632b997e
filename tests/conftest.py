import importlib.util

import pytest

import rewardkit


def _cuda() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


needs_cuda = pytest.mark.skipif(not _cuda(), reason="needs CUDA")
# Parametrize a test with ``device`` to run it on the CPU and, where there is a GPU, on CUDA in bf16.
DEVICES = ["cpu", pytest.param("cuda", marks=needs_cuda)]


@pytest.fixture
def inline_plugin():
    """Register plugin objects for one test and unregister them afterwards."""
    names = []

    def register(plugin, name):
        rewardkit.register_plugin(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        rewardkit.unregister_plugin(name)


def grade(spec, response, reference=None, **sample):
    return rewardkit.load_grader(spec).grade(rewardkit.Sample(response=response, reference=reference, **sample))


def write_plugin_distribution(root, module: str, code: str, entry_point: str | None = None):
    """A minimal installed distribution (module + .dist-info with an entry point) under ``root``,
    discoverable through importlib.metadata when ``root`` is on PYTHONPATH."""
    from pathlib import Path

    root = Path(root)
    (root / f"{module}.py").write_text(code)
    info = root / f"{module}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[rewardkit]\n{entry_point or module} = {module}\n")
    return root
