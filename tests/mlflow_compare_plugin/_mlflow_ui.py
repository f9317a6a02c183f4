"""Walking MLflow 3.17's own UI in headless Chromium as a user does (``tests/_chromium.py``).

MLflow lands on its home page (GenAI mode, the Assistant panel open); a user switches to
"Model training", opens the experiment, the comparison run (by the name it shows: the question
first), its Artifacts tab and report.html, which MLflow shows in an iframe. Clicks are real
WebDriver clicks on the element a user sees, found by its visible text.
"""

from __future__ import annotations

import time
from typing import Any

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# The smallest visible element whose text starts with arguments[0], among arguments[1].
_FIND = r"""
const [want, selector] = arguments;
const seen = (e) => { const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden"; };
const hits = Array.from(document.querySelectorAll(selector))
  .filter((e) => seen(e) && (e.innerText || e.getAttribute("aria-label") || "").trim().startsWith(want))
  .sort((a, b) => (a.innerText || "").length - (b.innerText || "").length);
return hits[0] || null;
"""


def find(browser: Any, text: str, selector: str, timeout: float = 60) -> Any:
    """The element showing ``text`` (waiting for the UI to draw it), or an AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hit = browser.s("POST", "/execute/sync", {"script": _FIND, "args": [text, selector]})
        if hit:
            return hit
        time.sleep(0.5)
    raise AssertionError(f"MLflow's UI shows no {selector} reading {text!r}")


def click(browser: Any, text: str, selector: str = "a, button, [role=button], [role=tab]") -> None:
    """A real click on the element showing ``text``."""
    element = find(browser, text, selector)
    browser.s("POST", f"/element/{element[ELEMENT]}/click", {})


_TITLE = r"""
const own = (e) => Array.from(e.childNodes).some((n) => n.nodeType === 3
  && n.textContent.trim() === "MLflow Assistant");
// shown: what is drawn at its centre is the element itself (not clipped, covered or collapsed)
const shown = (e) => { const r = e.getBoundingClientRect();
  if (!(r.width > 0 && r.height > 0)) return false;
  const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!at && (at === e || e.contains(at)); };
const title = Array.from(document.querySelectorAll("body *")).find((e) => own(e) && shown(e));
"""


def assistant_open(browser: Any) -> bool:
    """Whether MLflow's Assistant panel is showing."""
    return bool(browser.run(_TITLE + "return !!title;"))


def close_assistant(browser: Any) -> None:
    """Close the Assistant panel with the last button of its header (the X)."""
    script = (
        _TITLE
        + r"""
    let box = title;
    while (box && box.querySelectorAll("button").length < 2) box = box.parentElement;
    const buttons = box ? Array.from(box.querySelectorAll("button")) : [];
    return buttons[buttons.length - 1] || null;
    """
    )
    button = browser.run(script)
    assert button, "no close button on the Assistant panel"
    browser.s("POST", f"/element/{button[ELEMENT]}/click", {})


# How much of the report's iframe MLflow lets the user see: its width, cut by every ancestor
# that clips (at 1000 px with the Assistant open, MLflow's pane hides part of its 400 px viewer).
_VISIBLE = r"""
const frame = document.querySelector("iframe");
if (!frame) return null;
const r = frame.getBoundingClientRect();
let right = Math.min(r.right, window.innerWidth);
for (let e = frame.parentElement; e; e = e.parentElement) {
  if (getComputedStyle(e).overflowX !== "visible") right = Math.min(right, e.getBoundingClientRect().right);
}
return right - Math.max(r.left, 0);
"""


def visible_frame_width(browser: Any) -> float:
    """The width of the report's iframe the user sees (MLflow may clip it)."""
    width = browser.run(_VISIBLE)
    assert width, "no iframe on the page"
    return float(width)
