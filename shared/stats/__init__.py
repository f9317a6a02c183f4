"""Statistical tests and estimates; every test returns a ``TestResult`` (contract A)."""

from shared.stats._anova import rm_anova, welch_anova
from shared.stats._aso import aso
from shared.stats._bayes import BayesResult, bayes_signed_rank
from shared.stats._friedman import friedman
from shared.stats._posthoc import (
    PosthocPair,
    PosthocResult,
    critical_difference,
    holm_vs_control,
    nemenyi,
)
from shared.stats._result import ConfidenceInterval, TestResult
from shared.stats._robust import RobustEstimate, iqm, iqm_ci, probability_of_improvement

__all__ = [
    "ConfidenceInterval",
    "TestResult",
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
