"""Statistical tests and estimates; every test returns a ``TestResult`` (contract A).

Importing this package is cheap: scipy is imported inside the functions that use it.
"""

from shared.stats._anova import rm_anova, welch_anova
from shared.stats._aso import aso
from shared.stats._batch import PairwiseResult, bootstrap_mean_cis, pairwise_t
from shared.stats._bayes import BayesResult, bayes_signed_rank
from shared.stats._bootstrap import bootstrap_diff
from shared.stats._brunner import brunner_munzel
from shared.stats._correction import CORRECTIONS, adjust_pvalues
from shared.stats._descriptive import Description, describe
from shared.stats._effect import Effect, cliffs_delta, hedges_correction, hedges_g
from shared.stats._friedman import friedman
from shared.stats._parametric import paired_t, student_t, welch_t
from shared.stats._permutation import permutation_test
from shared.stats._posthoc import (
    PosthocPair,
    PosthocResult,
    critical_difference,
    holm_vs_control,
    nemenyi,
)
from shared.stats._power import power, seeds_needed
from shared.stats._rank import mann_whitney, wilcoxon
from shared.stats._result import ConfidenceInterval, TestResult
from shared.stats._robust import RobustEstimate, iqm, iqm_ci, probability_of_improvement

__all__ = [
    "ConfidenceInterval",
    "TestResult",
    # two-sample
    "CORRECTIONS",
    "Description",
    "Effect",
    "PairwiseResult",
    "adjust_pvalues",
    "bootstrap_diff",
    "bootstrap_mean_cis",
    "cliffs_delta",
    "describe",
    "hedges_correction",
    "hedges_g",
    "mann_whitney",
    "brunner_munzel",
    "paired_t",
    "pairwise_t",
    "permutation_test",
    "power",
    "seeds_needed",
    "student_t",
    "welch_t",
    "wilcoxon",
    # multi-config
    "BayesResult",
    "PosthocPair",
    "PosthocResult",
    "RobustEstimate",
    "aso",
    "bayes_signed_rank",
    "critical_difference",
    "friedman",
    "holm_vs_control",
    "iqm",
    "iqm_ci",
    "nemenyi",
    "probability_of_improvement",
    "rm_anova",
    "welch_anova",
]
