"""Choosing and running the tests: the options, the registry of tests and their
runners, test selection, pairwise and family tests, MCB, effect sizes, CD.

Above ``configs`` and ``results``; imports nothing from ``decision`` or the API.
"""
