"""Chapter 04 widgets and the policy-explorer app: the EOQ cost curve, and the optimal (r, Q) or
(s, S) policy of a demand and cost setting you choose, beside the textbook heuristics.

Thin wiring over two pure functions that the tests call too: :func:`eoq_state` (casekit.eoq) and
:func:`policy_explorer_state` (:func:`casekit.rq.compare_rq_heuristics` or
:func:`casekit.ss.compare_ss_heuristics`, and the exact cost along one axis through the optimum).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from casekit.distributions import as_discrete, demand_distribution
from casekit.eoq import EOQResult, eoq, eoq_cost
from casekit.rq import compare_rq_heuristics, rq_cost_grid
from casekit.ss import compare_ss_heuristics, ss_cost_grid
from casekit.validate import check_choice, check_int, check_nonnegative, check_positive
from casekit.widgets._common import labelled, readout, set_readout

__all__ = ["EOQState", "eoq_state", "eoq_explorer", "PolicyState", "policy_explorer_state", "policy_explorer",
           "POLICIES", "DEMAND_FAMILIES"]

#: The two policies the explorer optimises: continuous-review (r, Q), periodic-review (s, S).
POLICIES = ("rQ", "sS")
#: Demand families offered (see :func:`casekit.distributions.demand_distribution`).
DEMAND_FAMILIES = ("poisson", "nbinom", "norm")
_STYLE = {"description_width": "170px"}
_WIDE = {"width": "400px"}


# ----------------------------------------------------------------------------------- EOQ
@dataclass(frozen=True)
class EOQState:
    """What the EOQ explorer shows: the optimum, a chosen Q, and the cost curve around Q*.

    Attributes
    ----------
    optimum : EOQResult
        Q*, g* of :func:`casekit.eoq.eoq`.
    order_quantity, cost, cost_ratio : float
        The chosen Q, its cost g(Q) per period and g(Q) / g*.
    quantities, costs : numpy.ndarray
        The curve g(Q) for Q from Q*/4 to 3 Q*.
    """

    optimum: EOQResult
    order_quantity: float
    cost: float
    cost_ratio: float
    quantities: np.ndarray = field(repr=False)
    costs: np.ndarray = field(repr=False)


def eoq_state(fixed_cost: float, holding_cost: float, demand_rate: float, order_quantity: float) -> EOQState:
    """The EOQ optimum of (K, h, λ) and the cost of ordering ``order_quantity`` instead.

    >>> st = eoq_state(8, 0.225, 1300, 1.5 * eoq(8, 0.225, 1300).order_quantity)
    >>> round(st.cost_ratio, 4)          # 50 % too much costs 8.3 % more
    1.0833
    """
    opt = eoq(fixed_cost, holding_cost, demand_rate)
    Q = check_positive("order_quantity", order_quantity)
    grid = np.linspace(opt.order_quantity / 4, 3 * opt.order_quantity, 200)
    g = eoq_cost(Q, fixed_cost, holding_cost, demand_rate)
    return EOQState(opt, Q, g, g / opt.cost, grid, eoq_cost(grid, fixed_cost, holding_cost, demand_rate))


def eoq_explorer(fixed_cost: float = 8.0, holding_cost: float = 0.225, demand_rate: float = 1300.0) -> W.VBox:
    """Sliders for K, h, λ and a multiple of Q*; readouts of Q*, g*, g(Q) and g(Q)/g*."""
    eoq(fixed_cost, holding_cost, demand_rate)
    for name, value, low in (("fixed_cost", fixed_cost, 1.0), ("holding_cost", holding_cost, 0.025),
                             ("demand_rate", demand_rate, 100.0)):
        if value < low:
            raise ValueError(f"{name} must be >= {low} in the explorer (its slider's minimum), got {value!r}")
    K_w = labelled(W.FloatSlider(value=fixed_cost, min=1, max=max(100, 2 * fixed_cost), step=1, description="fixed cost K",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "eoq-fixed-cost")
    h_w = labelled(W.FloatSlider(value=holding_cost, min=0.025, max=max(2, 2 * holding_cost), step=0.025, readout_format=".3f",
                                 description="holding cost h", continuous_update=False, style=_STYLE,
                                 layout=_WIDE), "eoq-holding-cost")
    lam_w = labelled(W.FloatSlider(value=demand_rate, min=100, max=max(5000, 2 * demand_rate), step=100, description="demand rate λ",
                                   continuous_update=False, style=_STYLE, layout=_WIDE), "eoq-demand-rate")
    m_w = labelled(W.FloatSlider(value=1.5, min=0.25, max=3, step=0.05, description="order Q = m × Q*, m",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "eoq-multiple")
    q_star = readout("eoq-q", "Q*:", fmt=".2f")
    g_star = readout("eoq-cost", "g* per period:", fmt=".3f")
    ratio = readout("eoq-ratio", "g(Q) / g*:", fmt=".4f")
    plot = W.Output()

    def update(_=None):
        base = eoq(K_w.value, h_w.value, lam_w.value)
        st = eoq_state(K_w.value, h_w.value, lam_w.value, m_w.value * base.order_quantity)
        set_readout(q_star, st.optimum.order_quantity)
        set_readout(g_star, st.optimum.cost)
        set_readout(ratio, st.cost_ratio)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 2.8))
            ax.plot(st.quantities, st.costs, label="g(Q) = Kλ/Q + hQ/2")
            ax.plot([st.order_quantity], [st.cost], "o", color="#dd8452", label=f"your Q: {st.cost_ratio:.3f} × g*")
            ax.axvline(st.optimum.order_quantity, color="grey", ls="--", lw=1)
            ax.set_xlabel("order quantity Q (units)")
            ax.set_ylabel("cost per period")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (K_w, h_w, lam_w, m_w):
        w.observe(update, names="value")
    update()
    return W.VBox([W.HBox([W.VBox([K_w, h_w, lam_w, m_w]), W.VBox([q_star, g_star, ratio])]), plot])


# ------------------------------------------------------------------------ (r, Q) and (s, S)
@dataclass(frozen=True)
class PolicyState:
    """What the policy explorer shows for one setting.

    Attributes
    ----------
    policy : str
        ``"rQ"`` or ``"sS"``.
    demand : scipy frozen distribution
        Demand per period.
    table : pandas.DataFrame
        The exact optimum and each heuristic: its two levels, exact cost per period and
        ``gap_pct`` above the optimum (:func:`casekit.rq.compare_rq_heuristics` or
        :func:`casekit.ss.compare_ss_heuristics`).
    first, second : float
        The optimal levels: (r*, Q*) or (s*, S*).
    cost : float
        The optimal expected cost per period.
    curve_x, curve_cost : numpy.ndarray
        The exact cost along the second level with the first held at its optimum: C(r*, Q) over
        Q, or c(s*, S) over S.
    surface : pandas.DataFrame
        The exact cost on a grid around the optimum and the heuristics (index: first level,
        columns: second level; nan where s >= S), from :func:`casekit.rq.rq_cost_grid` or
        :func:`casekit.ss.ss_cost_grid`.
    """

    policy: str
    demand: object = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    first: float
    second: float
    cost: float
    curve_x: np.ndarray = field(repr=False)
    curve_cost: np.ndarray = field(repr=False)
    surface: pd.DataFrame = field(repr=False, default=None)

    @property
    def names(self) -> tuple[str, str]:
        """The symbols of the two levels: ("r", "Q") or ("s", "S")."""
        return ("r", "Q") if self.policy == "rQ" else ("s", "S")

    def gaps(self) -> dict[str, float]:
        """Each heuristic's cost above the optimum, in per cent."""
        return {m: float(g) for m, g in self.table["gap_pct"].items() if m != "optimal"}


def _demand(family: str, mean: float, dispersion: float, policy: str):
    d = demand_distribution(family, mean, 1.0 if family == "poisson" else dispersion)
    if policy == "sS" and family == "norm":
        d = as_discrete(d, param="demand")       # the exact (s, S) model needs whole units: round N(μ, σ²)
    return d


def _axis(lo, hi, n, whole):
    xs = np.linspace(lo, hi, n)
    return np.unique(np.round(xs)) if whole else xs


@lru_cache(maxsize=64)
def _state(policy, family, mean, dispersion, h, p, K, L, points) -> PolicyState:
    demand = _demand(family, mean, dispersion, policy)
    whole = policy == "sS" or family != "norm"
    if policy == "rQ":
        table = compare_rq_heuristics(demand, L, h, p, K)
        first, second = table["reorder_point"].astype(float), table["order_quantity"].astype(float)
    else:
        table = compare_ss_heuristics(demand, h, p, K, L)
        first, second = table["s"].astype(float), table["S"].astype(float)
    a, b = float(first["optimal"]), float(second["optimal"])
    if policy == "rQ":
        xs = _axis(max(b / 5, 1e-3 if family == "norm" else 1), max(3 * b, 1.2 * second.max()), points, whole)
        grid = lambda rs, qs: rq_cost_grid(rs, qs, demand, L, h, p, K)  # noqa: E731
    else:
        xs = _axis(a + 1, max(a + 3 * (b - a), second.max() + 2), points, whole)
        grid = lambda ss, Ss: ss_cost_grid(ss, Ss, demand, h, p, K, L)  # noqa: E731
    curve = grid([a], xs).to_numpy()[0]
    span1 = max(first.max() - first.min(), 0.5 * (b - a if policy == "sS" else b), 4.0)
    span2 = max(second.max() - second.min(), 0.5 * b if policy == "rQ" else 0.5 * (b - a), 4.0)
    lo2 = max(second.min() - span2, 1e-3 if family == "norm" else 1) if policy == "rQ" else second.min() - span2
    surface = grid(_axis(first.min() - span1, first.max() + span1, 25, whole),
                   _axis(lo2, second.max() + span2, 25, whole))
    xs.setflags(write=False)
    curve.setflags(write=False)
    return PolicyState(policy, demand, table, a, b, float(table.loc["optimal", "cost"]), xs, curve, surface)


def policy_explorer_state(policy: str = "rQ", demand_family: str = "poisson", demand_mean: float = 20.0,
                          holding_cost: float = 1.0, stockout_cost: float = 10.0, fixed_cost: float = 50.0,
                          lead_time: int = 2, dispersion: float = 2.0, points: int = 40) -> PolicyState:
    """The optimal (r, Q) or (s, S) policy, the heuristics' gaps and a cost curve (pure; cached).

    Parameters
    ----------
    policy : {"rQ", "sS"}
        Continuous-review (r, Q) (:mod:`casekit.rq`) or periodic-review (s, S) (:mod:`casekit.ss`).
    demand_family : {"poisson", "nbinom", "norm"}
        Demand per period; ``"nbinom"`` and ``"norm"`` have variance ``dispersion`` × mean.
        For (s, S) a normal demand is rounded to whole units (the exact model is discrete).
    demand_mean : float
        E[D] > 0, units per period.
    holding_cost, stockout_cost : float
        h > 0, p > 0 per unit per period.
    fixed_cost : float
        K > 0 per order.
    lead_time : int
        L >= 0 periods.
    dispersion : float
        Variance / mean of demand (ignored for Poisson).
    points : int
        About how many points the cost curve has (at least 5).

    Examples
    --------
    Snyder & Shen Example 5.8 (Poisson(1.5), L = 2, h = 20, p = 150, K = 100): r* = 3, Q* = 5.

    >>> st = policy_explorer_state("rQ", "poisson", 1.5, 20, 150, 100, 2)
    >>> st.first, st.second, round(st.cost, 4)
    (3.0, 5.0, 107.9236)
    """
    check_choice("policy", policy, POLICIES)
    check_choice("demand_family", demand_family, DEMAND_FAMILIES)
    args = (policy, demand_family, check_positive("demand_mean", demand_mean),
            check_positive("dispersion", dispersion), check_positive("holding_cost", holding_cost),
            check_positive("stockout_cost", stockout_cost), check_positive("fixed_cost", fixed_cost),
            check_int("lead_time", lead_time, minimum=0), check_int("points", points, minimum=5, maximum=400))
    return _state(*args)


def _slug(method: str) -> str:
    return method.lower().replace(" + ", "-").replace(" ", "-")


def policy_explorer(policy: str = "rQ", demand_family: str = "poisson", demand_mean: float = 20.0,
                    holding_cost: float = 1.0, stockout_cost: float = 10.0, fixed_cost: float = 50.0,
                    lead_time: int = 2, dispersion: float = 2.0) -> W.VBox:
    """Controls for the policy, demand, costs and lead time; the optimal levels, cost, each
    heuristic's gap and the cost curve.  Every number shown is :func:`policy_explorer_state`.

    The starting values are validated by :func:`policy_explorer_state` first; the sliders reach at
    least twice each starting value, so nothing is clipped."""
    policy_explorer_state(policy, demand_family, demand_mean, holding_cost, stockout_cost, fixed_cost, lead_time,
                          dispersion)
    for name, value, low in (("demand_mean", demand_mean, 0.5), ("holding_cost", holding_cost, 0.1),
                             ("stockout_cost", stockout_cost, 0.5), ("fixed_cost", fixed_cost, 1.0)):
        if value < low:
            raise ValueError(f"{name} must be >= {low} in the explorer (its slider's minimum), got {value!r}")
    if demand_family != "poisson" and dispersion < 1.1:
        raise ValueError(f"dispersion must be >= 1.1 in the explorer (its slider's minimum), got {dispersion!r}")
    pol_w = labelled(W.Dropdown(options=[("(r, Q), continuous review", "rQ"), ("(s, S), periodic review", "sS")],
                                value=policy, description="policy", style=_STYLE, layout=_WIDE), "policy")
    fam_w = labelled(W.Dropdown(options=[("Poisson", "poisson"), ("negative binomial", "nbinom"), ("normal", "norm")],
                                value=demand_family, description="demand family", style=_STYLE, layout=_WIDE),
                     "demand-family")
    mean_w = labelled(W.FloatSlider(value=demand_mean, min=0.5, max=max(60, 2 * demand_mean), step=0.5, description="demand mean / period",
                                    continuous_update=False, style=_STYLE, layout=_WIDE), "demand-mean")
    disp_w = labelled(W.FloatSlider(value=dispersion, min=1.1, max=max(6, 2 * dispersion), step=0.1, description="demand variance / mean",
                                    continuous_update=False, style=_STYLE, layout=_WIDE), "dispersion")
    h_w = labelled(W.FloatSlider(value=holding_cost, min=0.1, max=max(10, 2 * holding_cost), step=0.1, description="holding cost h",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "holding-cost")
    p_w = labelled(W.FloatSlider(value=stockout_cost, min=0.5, max=max(100, 2 * stockout_cost), step=0.5, description="stockout cost p",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "stockout-cost")
    K_w = labelled(W.FloatSlider(value=fixed_cost, min=1, max=max(500, 2 * fixed_cost), step=1, description="fixed cost K per order",
                                 continuous_update=False, style=_STYLE, layout=_WIDE), "fixed-cost")
    L_w = labelled(W.IntSlider(value=lead_time, min=0, max=max(8, 2 * lead_time), description="lead time L (periods)",
                               continuous_update=False, style=_STYLE, layout=_WIDE), "lead-time")
    first = readout("opt-first", "r*:", fmt=".2f")
    second = readout("opt-second", "Q*:", fmt=".2f")
    cost = readout("opt-cost", "Optimal cost per period:", fmt=".4f")
    gap_box = W.VBox()
    message = W.HTML()
    plot = W.Output()

    def update(_=None):
        disp_w.disabled = fam_w.value == "poisson"
        try:
            st = policy_explorer_state(pol_w.value, fam_w.value, mean_w.value, h_w.value, p_w.value, K_w.value,
                                       L_w.value, disp_w.value)
        except ValueError as err:
            message.value = f'<span style="color:#b3261e">Cannot compute this setting: {html.escape(str(err))}</span>'
            return
        message.value = ""
        a, b = st.names
        first.ck_label, second.ck_label = f"{a}*:", f"{b}*:"
        set_readout(first, st.first)
        set_readout(second, st.second)
        set_readout(cost, st.cost)
        gaps = []
        for method, gap in st.gaps().items():
            w = readout(f"gap-{_slug(method)}", f"{method}: cost above optimal (%)", fmt=".3f")
            set_readout(w, gap)
            gaps.append(w)
        gap_box.children = gaps
        with plot:
            plot.clear_output(wait=True)
            fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.4))
            ax.plot(st.curve_x, st.curve_cost, color="#4c72b0", label=f"exact cost, {a} = {a}* = {st.first:g}")
            ax.plot([st.second], [st.cost], "o", color="k", label=f"optimum ({st.first:g}, {st.second:g})")
            surf = st.surface
            levels = st.cost * np.array([1.0, 1.01, 1.03, 1.1, 1.25, 1.5])
            cs = ax2.contour(surf.columns.to_numpy(float), surf.index.to_numpy(float), surf.to_numpy(), levels=levels,
                             cmap="viridis")
            ax2.clabel(cs, fmt=lambda v: f"{v / st.cost:.2f}×", fontsize=7)
            ax2.plot([st.second], [st.first], "o", color="k")
            for (method, row), mk in zip(st.table.drop(index="optimal").iterrows(), "s^vD"):
                ax.plot([row.iloc[1]], [row["cost"]], mk, label=f"{method} ({row.iloc[0]:.4g}, {row.iloc[1]:.4g})")
                ax2.plot([row.iloc[1]], [row.iloc[0]], mk)
            ax.set_xlabel(f"{b} (units)")
            ax.set_ylabel("expected cost per period")
            ax.legend(fontsize=7)
            ax2.set_xlabel(f"{b} (units)")
            ax2.set_ylabel(f"{a} (units)")
            ax2.set_title("cost surface, as a multiple of the optimal cost", fontsize=9)
            fig.tight_layout()
            plt.show()

    for w in (pol_w, fam_w, mean_w, disp_w, h_w, p_w, K_w, L_w):
        w.observe(update, names="value")
    update()
    controls = W.VBox([pol_w, fam_w, mean_w, disp_w, h_w, p_w, K_w, L_w])
    results = W.VBox([first, second, cost, gap_box, message])
    return W.VBox([W.HBox([controls, results]), plot])
