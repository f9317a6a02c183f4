"""A small real training job for the confirm tests: logistic regression on scikit-learn's digits.

``train(C, seed)`` splits the data with the seed (seed noise includes split noise, as in
practice) and returns the validation accuracy. ``C=1e-4`` underfits badly; ``C=0.5`` and
``C=0.6`` are practically the same model.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return x / 16.0, y


def train(C: float, seed: int) -> dict[str, float]:  # noqa: N803 (scikit-learn's name)
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    x, y = _digits()
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.3, random_state=seed, stratify=y)
    model = LogisticRegression(C=C, max_iter=300).fit(x_tr, y_tr)
    return {"val_accuracy": float(model.score(x_va, y_va)),
            "train_accuracy": float(model.score(x_tr, y_tr))}
