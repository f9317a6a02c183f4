"""The "k more seeds or m more examples" advice predicts the power of the test it advises on.

New data: per-seed noise on every example (most of the variance in the run x example
interaction), where the test's df follow its run term (S - 1 df, guarded). Before, the advice
gave that variance the interaction's many df and overstated the power (0.74 predicted against
0.59 simulated at 4 seeds), printing "already had 80% power" for pairs the test could not
separate.
"""

import numpy as np

from shared.compare.decision._examples_advice import _power
from shared.stats._examples import ExampleVariance, examples_seeds_test


def test_predicted_power_matches_the_simulated_power_of_the_test():
    rng = np.random.default_rng(7)
    n, seeds, seed_sd, noise, d, reps = 600, 4, 0.03, 0.6, 0.09, 400
    hits = 0
    for _ in range(reps):
        hard = rng.normal(0, 1, n)
        a = hard + d + rng.normal(0, seed_sd, (seeds, 1)) + rng.normal(0, noise, (seeds, n))
        b = hard + rng.normal(0, seed_sd, (seeds, 1)) + rng.normal(0, noise, (seeds, n))
        hits += examples_seeds_test(a, b, paired=True).pvalue < 0.05
    # the true components of Var(difference of the means)
    v = ExampleVariance(2 * seed_sd**2 / seeds, 0.0, 2 * noise**2 / (seeds * n), seeds, n, n)
    predicted = float(_power(v, np.array([4.0]), np.array([600.0]), d, 0.05, True)[0])
    simulated = hits / reps  # Monte Carlo SE about 0.025
    assert abs(predicted - simulated) < 0.08, (predicted, simulated)


def test_no_claim_of_power_already_there_when_the_test_could_not_decide():
    from shared import ExampleTable, Run
    from shared.compare import compare_runs

    rng = np.random.default_rng(12)  # p = 0.105: no winner
    n = 600
    ids = tuple(f"q{i}" for i in range(n))
    hard = rng.normal(0, 1, n)
    runs = []
    for c, mu in enumerate((0.0, 0.09)):
        for s in range(3):
            y = hard + mu + rng.normal(0, 0.03) + rng.normal(0, 0.6, n)
            runs.append(Run("frame", f"c{c}s{s}", params={"cfg": c, "seed": s},
                            examples={"eval": ExampleTable("eval", {"id": ids, "y": y})}))
    c = compare_runs(runs, metric="y", examples="eval", example_key="id")
    assert c.decision.winner is None
    assert "already had 80% power" not in c.decision.rationale
    assert c.decision.seeds_needed is not None and c.decision.seeds_needed > 3
