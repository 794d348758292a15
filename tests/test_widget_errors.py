"""Widgets show an error as one line of escaped text (casekit.widgets._common.show_error)."""

from __future__ import annotations

import ipywidgets as W
import pytest

from casekit.widgets import sustainability
from casekit.widgets._common import show_error

HOSTILE = 'bad value <img src=x onerror="alert(1)"> & <script>alert(2)</script>\nsecond line'


def test_show_error_escapes_and_keeps_one_line():
    box = W.HTML()
    show_error(box, ValueError(HOSTILE), "Cannot compute this selection")
    assert "<img" not in box.value and "<script" not in box.value
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;script&gt;" in box.value
    assert box.value.startswith('<span class="ck-error"') and "\n" not in box.value
    assert "Cannot compute this selection: bad value" in box.value
    show_error(box, None)
    assert box.value == ""


def test_show_error_escapes_the_prefix_too_and_names_an_empty_exception():
    box = W.HTML()
    show_error(box, KeyError(), "<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;: KeyError" in box.value


def test_sustainability_widget_shows_exception_text_escaped(monkeypatch):
    """The audit's reproducer: the consolidation widget put exception text into HTML unescaped."""
    def boom(case, interval, service_level=0.95):
        raise ValueError(HOSTILE)

    monkeypatch.setattr(sustainability, "consolidation_state", boom)
    box = sustainability.consolidation_explorer("fmcg", 3)
    shown = [w.value for w in box.children if isinstance(w, W.HTML) and "ck-error" in w.value]
    assert len(shown) == 1
    assert "<img" not in shown[0] and "&lt;img" in shown[0]
    assert "Cannot compute this selection:" in shown[0]


@pytest.mark.parametrize("module", ["classical", "demand", "lead_time", "multiechelon", "rl", "safety_stock",
                                    "simulation", "streaming", "sustainability"])
def test_no_widget_writes_exception_text_into_html_by_hand(module):
    """Every error display goes through show_error (source check: no str(err)/{exc} in an HTML value)."""
    import importlib
    import inspect
    import re

    source = inspect.getsource(importlib.import_module(f"casekit.widgets.{module}"))
    assert not re.search(r"\.value\s*=\s*f?[\"'].*\{(err|exc)\}", source)
    assert not re.search(r"\.value\s*=.*str\((err|exc)\)", source)


def test_policy_explorer_shows_exception_text_escaped(monkeypatch):
    from casekit.widgets import classical

    box = classical.policy_explorer("rQ", "poisson", 5, 1, 10, 20, 2)

    def boom(*args, **kwargs):
        raise ValueError(HOSTILE)

    monkeypatch.setattr(classical, "policy_explorer_state", boom)
    box.children[0].children[0].children[2].value = 7.0          # move the demand-mean slider
    errors = [w.value for w in box.children[0].children[1].children if isinstance(w, W.HTML) and "ck-error" in w.value]
    assert len(errors) == 1 and "<img" not in errors[0] and "Cannot compute this setting: bad value" in errors[0]


def test_case_dashboard_shows_exception_text_escaped(monkeypatch):
    """The audit's reproducer: the case dashboard put exception text into HTML unescaped."""
    from casekit.widgets import cases

    def boom(*args, **kwargs):
        raise ValueError(HOSTILE)

    monkeypatch.setattr(cases, "case_dashboard_state", boom)
    box = cases.case_dashboard()
    found, stack = [], [box]
    while stack:
        w = stack.pop()
        if isinstance(w, W.HTML) and "ck-error" in w.value:
            found.append(w.value)
        stack.extend(getattr(w, "children", ()))
    assert len(found) == 1
    assert "<img" not in found[0] and "&lt;img" in found[0] and "Cannot run this selection" in found[0]
