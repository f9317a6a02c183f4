"""The adapter kit: the few pieces every tracker adapter needs before ``shared`` can load.

* :mod:`tracker_compare_kit._startup`: the start-up hook that adds ``compare`` to a tracker's
  click CLI (one table of hooks, one finder, standard library only);
* :mod:`tracker_compare_kit._build`: the setuptools ``build_py`` that ships the one-line ``.pth``;
* :mod:`tracker_compare_kit._guard`: the check that a user's own ``shared`` folder does not
  shadow tracker-compare's core.

None of this can live in ``shared``: the hook runs in every interpreter of the environment and
importing ``shared`` there would hide a user's own ``shared/`` package, and the guard is what
detects that ``shared`` is shadowed. This ``__init__`` imports nothing, so start-up stays cheap.
"""
