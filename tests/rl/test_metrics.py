"""The curves PNG: a title, and a panel that stays at 0 says why instead of puzzling."""

import json

import pytest

pytest.importorskip("matplotlib")

from rewardkit.rl.metrics import plot_metrics  # noqa: E402


def drawn(tmp_path, monkeypatch, rows, **kwargs):
    """Plot ``rows`` and return the figure as it was saved."""
    import matplotlib.pyplot as plt

    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (figures.append(fig), close(fig)))
    path = tmp_path / "run" / "metrics.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert plot_metrics(path, tmp_path / "c.png", **kwargs).read_bytes()[:4] == b"\x89PNG"
    return figures[0]


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_figure_has_a_title(tmp_path, monkeypatch):
    rows = [{"step": i, "reward_mean": i / 10, "clip_fraction": 0.01 * i} for i in range(1, 4)]
    assert drawn(tmp_path, monkeypatch, rows, title="GRPO of tiny")._suptitle.get_text() == "GRPO of tiny"
    assert "run" in drawn(tmp_path / "b", monkeypatch, rows)._suptitle.get_text()  # default: the run's folder


def test_a_clip_fraction_that_stays_at_zero_says_why(tmp_path, monkeypatch):
    flat = [{"step": i, "reward_mean": i / 10, "clip_fraction": 0.0} for i in range(1, 4)]
    assert any("num_iterations" in t for t in texts(drawn(tmp_path, monkeypatch, flat)))
    moving = [{"step": i, "reward_mean": i / 10, "clip_fraction": 0.01 * i} for i in range(1, 4)]
    assert texts(drawn(tmp_path / "b", monkeypatch, moving)) == []
