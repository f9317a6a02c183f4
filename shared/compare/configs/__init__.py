"""Configurations: grouping runs into configurations, their provenance, samples and
pairing by seed, sweep rankings, and per-example tables aligned on the example key.

The bottom layer of ``shared.compare``: it imports nothing from the layers above.
"""
