from __future__ import annotations

import json

import matplotlib as mpl
import numpy as np
import pytest

from course_lib import metrics
from course_lib.plotting import PALETTE, course_style, use_course_style


def test_record_writes_the_metrics_file(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    monkeypatch.setenv("COURSE_METRICS_FILE", str(target))
    assert metrics.record("accuracy", np.float32(0.5)) == 0.5
    metrics.record("notebook", "00")
    data = json.loads(target.read_text())
    assert data["accuracy"] == 0.5 and data["notebook"] == "00"
    assert metrics.recorded()["accuracy"] == 0.5


@pytest.mark.parametrize(("name", "value", "error"), [
    ("", 1.0, ValueError), (3, 1.0, ValueError), ("x", float("nan"), ValueError),
    ("x", [1, 2], TypeError), ("x", None, TypeError),
])
def test_record_rejects_what_cannot_be_read_back(name, value, error):
    with pytest.raises(error):
        metrics.record(name, value)


def test_course_style_is_scoped():
    before = mpl.rcParams["axes.grid"], mpl.rcParams["axes.spines.top"]
    with course_style():
        assert mpl.rcParams["axes.grid"] is True and mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == PALETTE[0]
    assert (mpl.rcParams["axes.grid"], mpl.rcParams["axes.spines.top"]) == before


def test_use_course_style_draws(tmp_path):
    import matplotlib.pyplot as plt

    with mpl.rc_context():
        use_course_style()
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        fig.savefig(tmp_path / "a.png")
        plt.close(fig)
    assert (tmp_path / "a.png").stat().st_size > 1000
