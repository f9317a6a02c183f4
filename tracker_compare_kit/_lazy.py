"""Lazy public names for an adapter package (PEP 562), so that importing the package, which the
start-up hook does with every ``mlflow`` / ``wandb`` command, loads nothing else.

Example:
    >>> getattr_ = lazy_attributes("json", "decoder", ("JSONDecoder",))
    >>> getattr_("JSONDecoder").__name__
    'JSONDecoder'
    >>> getattr_("nothing")
    Traceback (most recent call last):
    ...
    AttributeError: module 'json' has no attribute 'nothing'
"""

from collections.abc import Callable, Iterable

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, module: str, names: Iterable[str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``package.module`` on the first use
    of one of ``names`` and returns that attribute."""
    wanted = frozenset(names)

    def __getattr__(name: str) -> object:
        if name in wanted:
            import importlib

            return getattr(importlib.import_module(f"{package}.{module}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
