"""The toy task's warm start shows its progress when asked (the demo's first silent phase)."""

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from rewardkit.rl.toy import warm_start  # noqa: E402


def test_warm_start_shows_a_progress_bar_only_when_asked(tmp_path, capsys):
    warm_start(tmp_path / "quiet", steps=2)
    assert "warm start" not in capsys.readouterr().err
    warm_start(tmp_path / "shown", steps=2, progress=True)
    assert "warm start" in capsys.readouterr().err
    assert (tmp_path / "shown" / "config.json").exists()
