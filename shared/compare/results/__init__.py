"""The typed results of a comparison (``Comparison`` and its parts) and their JSON.

Beside ``configs`` at the bottom of ``shared.compare``: nothing from the layers
above is imported here.
"""
