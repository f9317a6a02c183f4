"""Whatever the runs look like, compare_runs gives a clear InputError or a valid result:
never a crash, never a p-value outside [0, 1], always strict JSON."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shared.compare import TESTS, compare_runs
from shared.errors import InputError
from shared.model import Run

value = st.one_of(
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from([0.5, 0.5, 1.0, math.nan, math.inf]),
)


@st.composite
def run_sets(draw):
    n_configs = draw(st.integers(1, 4))
    runs = []
    for c in range(n_configs):
        n = draw(st.integers(1, 6))
        for i in range(n):
            params = {"cfg": c}
            seed = draw(st.one_of(st.just(i), st.integers(0, 3), st.none()))
            if seed is not None:
                params["seed"] = seed
            metrics = {}
            if draw(st.integers(0, 9)) > 0:  # now and then a run without the metric
                metrics["acc"] = draw(value)
            runs.append(Run("frame", f"c{c}-r{i}", params=params, metrics=metrics,
                            status=draw(st.sampled_from(["FINISHED", "FINISHED", "FAILED"]))))
    return runs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=run_sets(), test=st.sampled_from(TESTS),
       correction=st.sampled_from(["holm", "bonferroni", "bh", "none"]),
       goal=st.sampled_from(["maximize", "minimize"]), use_baseline=st.booleans())
def test_never_crashes_never_an_invalid_p(runs, test, correction, goal, use_baseline):
    try:
        comp = compare_runs(runs, metric="acc", test=test, correction=correction, goal=goal,
                            baseline="cfg=0" if use_baseline else None, seed=1)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc)
        event(f"InputError: {str(exc)[:40]}")
        return
    event(f"result with {len(comp.configs)} configs")
    d = json.loads(json.dumps(comp.to_dict(), allow_nan=False))
    assert len(d["configs"]) >= 2
    for p in comp.pairs:
        if p.p_value is not None:
            assert 0.0 <= p.p_value <= 1.0
            assert p.p_adjusted is not None and p.p_value <= p.p_adjusted + 1e-15 <= 1.0 + 1e-15
        elif p.test not in ("aso", "bayes-signed-rank", "mcb"):
            # no p-value: never significant, and the warnings say why
            assert not p.significant and p.warnings
    if comp.omnibus is not None and comp.omnibus.p_value == comp.omnibus.p_value:
        assert 0.0 <= comp.omnibus.p_value <= 1.0
    if comp.decision.winner is not None:
        assert comp.decision.winner in [c.name for c in comp.configs]
    for c in comp.configs:
        assert c.n == len(c.values) >= 1
        assert all(math.isfinite(v) for v in c.values)
