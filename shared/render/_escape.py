"""Text from run data made safe to show: invisible characters escaped, links neutralised.

Run names, param values and tags are written by whoever logged the runs. Rendered as they are,
a NUL or a right-to-left override (U+202E) hides or reorders what the reader sees, and in
markdown ``[x](javascript:...)`` is a link and ``![](http://...)`` an image fetched on view.
These helpers are used by every renderer (HTML, markdown, CSV) and by the MLflow run note.
"""

from __future__ import annotations

import re

__all__ = ["visible", "shorten", "md_text", "MAX_NAME"]

#: Longest name shown whole in an HTML cell; longer ones are shortened (full text in a tooltip).
MAX_NAME = 80

# Control characters (C0 but tab and newline, DEL, C1), bidirectional overrides and isolates,
# zero-width characters and the BOM: all can hide or reorder text.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_LINE_BREAKS = re.compile("[\t\n\u2028\u2029]")
# The "]" that closes link or image text: before "(url)", "[ref]" or ":" (a definition).
_LINK_CLOSE = re.compile(r"\](?=\s*[(\[:])")
_MD_SPECIAL = re.compile(r"([\\`*_|~])")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = True) -> str:
    """``text`` with invisible and reordering characters shown as escapes (``\\x00``,
    ``\\u202e``), and tabs and line breaks as spaces when ``one_line``.

    Example:
        >>> visible("evil\\u202egnp.exe\\x00")
        'evil\\\\u202egnp.exe\\\\x00'
    """
    text = _INVISIBLE.sub(_escape_char, str(text))
    return _LINE_BREAKS.sub(" ", text) if one_line else text


def shorten(text: str, limit: int = MAX_NAME) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis in the middle (both ends of a
    long name usually matter: a prefix and the value that differs).

    Example:
        >>> shorten("a" * 10 + "b" * 10, 9)
        'aaaa…bbbb'
    """
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2 + (limit - 1) % 2
    tail = limit - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail else "")


def md_text(text: str) -> str:
    """``text`` as inert markdown: shown as typed, never a link, image, HTML or layout.

    ``<``, ``>`` and ``&`` become entities (no raw HTML, no autolinks), markdown's inline
    specials are backslash-escaped, a ``]`` that would close link or image text is escaped
    (so ``[x](javascript:...)`` and ``![](http://...)`` stay text; a CI such as ``[0.1, 0.2]``
    keeps its plain brackets), and invisible characters are shown as escapes.

    Example:
        >>> md_text("[x](javascript:alert(1)) <b>")
        '[x\\\\](javascript:alert(1)) &lt;b&gt;'
    """
    text = visible(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINK_CLOSE.sub(r"\\]", text)
