"""The PNG plots: which exist, that they are real images, and that odd input is handled."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from shared.errors import InputError
from shared.render._plots import cd_cliques
from shared.render._plots import make_plots as _make_plots
from shared.render._plots import plot_cd_diagram as _plot_cd_diagram
from shared.render._plots import plot_curves as _plot_curves
from shared.render._read import read_comparison


# the plots take the typed Comparison; these tests edit the sample dicts, read here
def make_plots(d):
    return _make_plots(read_comparison(d))


def plot_cd_diagram(d):
    return _plot_cd_diagram(read_comparison(d))


def plot_curves(d):
    return _plot_curves(read_comparison(d))

ROOT = Path(__file__).resolve().parents[3]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_two_configs_have_curves_and_distribution_only(two):
    plots = make_plots(two)
    assert list(plots) == ["curves.png", "distribution.png"]
    for png in plots.values():
        w, h = _png_size(png)
        assert w >= 400 and h >= 150


def test_four_configs_have_every_plot(four):
    plots = make_plots(four)
    assert list(plots) == [
        "curves.png",
        "distribution.png",
        "cd_diagram.png",
        "param_importance.png",
    ]
    for png in plots.values():
        w, h = _png_size(png)
        assert w >= 400 and h >= 100


def test_plots_are_deterministic(four):
    assert make_plots(four) == make_plots(four)


def test_no_curve_no_plot_and_no_cd_with_two(two):
    for c in two["configs"]:
        c["curve"] = None
    assert plot_curves(two) is None
    two["critical_difference"] = {"cd": 1.0, "alpha": 0.05, "mean_ranks": {"a": 1.0, "b": 2.0}}
    assert plot_cd_diagram(two) is None


def test_curve_of_mismatched_lengths_is_an_input_error(two):
    two["configs"][1]["curve"]["mean"] = two["configs"][1]["curve"]["mean"][:-3]
    with pytest.raises(InputError, match=r"curve of config 'lr=0.0001' .*grid=50, mean=47"):
        plot_curves(two)


def test_curve_with_nulls_and_bad_values(two):
    two["configs"][0]["curve"]["lo"][3] = None  # JSON null for a point with one run: fine
    assert plot_curves(two)
    two["configs"][0]["curve"]["hi"][3] = "oops"
    with pytest.raises(InputError, match="'oops', not a number"):
        plot_curves(two)


def test_dollar_signs_and_usetex_do_not_break_plots(four):
    # "$" starts matplotlib mathtext; an unbalanced one fails to parse unless escaped.
    four["configs"][0]["name"] = "price=$5"
    four["configs"][2]["name"] = r"a $\frac{1}{ b\ "
    four["critical_difference"]["mean_ranks"] = {
        c["name"]: r for c, r in zip(four["configs"], [3.8, 3.0, 1.8, 1.3], strict=True)
    }
    four["metric"]["name"] = "cost $ per query"
    # A user rcParams with usetex on (no TeX installed here) must not reach our figures.
    with matplotlib.rc_context({"text.usetex": True}):
        plots = make_plots(four)
    assert len(plots) == 4


def test_cd_cliques():
    # Demsar (2006) Fig. 2-like: groups whose mean-rank spread is within the CD are joined.
    assert cd_cliques([1.0, 1.5, 3.0, 3.2], 1.0) == [(0, 1), (2, 3)]
    assert cd_cliques([1.0, 1.5, 2.0, 2.5], 5.0) == [(0, 3)]
    assert cd_cliques([1.0, 2.0, 3.0], 0.5) == []
    # overlapping groups: each maximal, none contained in another
    assert cd_cliques([1.0, 1.8, 2.6, 3.4], 1.0) == [(0, 1), (1, 2), (2, 3)]


def test_importing_render_does_not_load_matplotlib_and_plotting_avoids_pyplot(tmp_path, sample):
    code = (
        "import sys, json\n"
        "from shared.render import render\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at import time'\n"
        "d = json.loads(open(sys.argv[1]).read())\n"
        "render(d, 'table')\n"
        "assert 'matplotlib' not in sys.modules\n"
        "render(d, 'html')\n"
        "assert 'matplotlib' in sys.modules and 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')\n"
    )
    from shared.render import render

    path = tmp_path / "c.json"
    path.write_text(render(sample.sample_four(), "json"))
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "TkAgg"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
