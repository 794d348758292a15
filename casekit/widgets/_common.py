"""Small helpers shared by the widget front-ends."""

from __future__ import annotations

import html

import ipywidgets as W


def _span(label: str, value, fmt: str) -> str:
    shown = format(value, fmt) if isinstance(value, (int, float)) else str(value)
    return (f'<span class="ck-label">{html.escape(label)}</span> '
            f'<span class="ck-value" data-value="{html.escape(repr(value))}">{html.escape(shown)}</span>')


def readout(name: str, label: str, value=None, fmt: str = ".4f") -> W.HTML:
    """An HTML widget of class ``ck-<name>`` showing ``label value``; update with :func:`set_readout`."""
    w = W.HTML(_span(label, value, fmt) if value is not None else "")
    w.add_class(f"ck-{name}")
    w.ck_label, w.ck_fmt = label, fmt
    return w


def set_readout(widget: W.HTML, value) -> None:
    """Show ``value`` in a widget made by :func:`readout`."""
    widget.value = _span(widget.ck_label, value, widget.ck_fmt)


def show_error(box: W.HTML, err: BaseException | None, prefix: str | None = "Cannot compute this combination") -> None:
    """Show ``err`` in ``box`` as one line of escaped text after ``prefix`` (``None``: no prefix), or
    clear the box when ``err`` is None.  The one way a widget shows an error: the message is escaped,
    so text from an exception (which may quote a value the user typed) is never read as HTML."""
    if err is None:
        box.value = ""
        return
    text = " ".join(str(err).split()) or type(err).__name__
    lead = f"{html.escape(prefix)}: " if prefix else ""
    box.value = f'<span class="ck-error" style="color:#b3261e">{lead}{html.escape(text)}</span>'


def labelled(widget: W.Widget, name: str) -> W.Widget:
    """Give a control its ``ck-<name>`` class and return it."""
    widget.add_class(f"ck-{name}")
    return widget
