"""Deciding: verdicts, the decision and its wording, seeds advice, Pareto and cost,
importance, per-configuration summaries and curves.

Above ``inference``; only the API modules (``_api``, ``_examples_api``,
``_findings``) import from here.
"""
