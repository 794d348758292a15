"""ipywidgets front-ends: thin wiring over pure casekit functions (no model logic here).

Conventions every app follows, so that browser tests can read what a person sees:

* each control carries a CSS class ``ck-<name>`` (``widget.add_class``);
* each displayed result is an ``HTML`` widget with class ``ck-<name>`` whose number sits in
  ``<span class="ck-value" data-value="...">`` (see :func:`readout`), the raw value in
  ``data-value`` and the formatted one as text;
* figures are drawn into ``Output`` widgets, replaced on every update (Voila does not honour
  display-id updates).
"""

from casekit.widgets._common import readout, set_readout, labelled

__all__ = ["readout", "set_readout", "labelled", "poisson_explorer"]


def poisson_explorer(*args, **kwargs):
    """The welcome chapter's demand explorer (see :mod:`casekit.widgets.welcome`)."""
    from casekit.widgets.welcome import poisson_explorer as _explorer

    return _explorer(*args, **kwargs)
