"""The source paper's published figures, as data.

casekit follows one paper, cited by its title (:data:`TITLE`, :func:`citation`).  This module holds
every figure that paper publishes, so that notebooks, apps and benchmarks quote it from one place
and set it beside what casekit measures.  Nothing here is computed from a simulation, and nothing is
read from the paper's text at run time: the figures are typed once, and ``tests/test_paper.py``
checks them against the text.

What is here
------------
:func:`table1`
    Table 1 (§3.3): five supply-chain tiers, their demand-variance, lead-time-variance and
    combined-impact ratings (qualitative, from "Low" to "Extreme") and key drivers, as published;
    ``ranks=True`` adds the ratings as ordinal numbers (:data:`LEVELS`) for plotting.
:func:`table2`
    Table 2 (§6.3): four methods (MILP, GA, MILP + GA hybrid, Simulation + RL hybrid) with average
    runtime in minutes, solution quality in % of optimal, and robustness and scalability ratings.
    The table marks the last two columns with ``*`` and ``**`` but the text never defines them.
:func:`table3`
    Table 3 (§7.3) for ``"electronics"`` or ``"fmcg"``: eight indicators, traditional and hybrid
    in the paper's units; four rows are levels (fill rate %, bullwhip ratio, order-cycle std,
    recovery days) and four are changes in % against the traditional baseline (printed only in
    the hybrid column).
:data:`CLAIMS`, :func:`claims`, :func:`claim`
    every number as a :class:`Claim` record: value, unit, which direction is better, where it
    appears, the case it concerns, and whether it is an exact figure, an "up to" bound or a range.
:func:`cross_checks`
    prose figures set against the Table 3 values they restate, with the arithmetic that links them
    (for example, the electronics bullwhip ratio 1.45 -> 1.13 is a 22.1 % fall, the prose says 22 %).

Conventions
-----------
Changes are signed: a reduction is negative ("costs fell by 15 %" is stored as -15 with unit
``"% change"``).  ``better`` is ``"higher"``, ``"lower"`` or ``None`` (a description, not a
performance figure).  ``bound`` is ``"exact"`` (a figure as printed, rounded as printed),
``"up to"`` (the magnitude is at most the value) or ``"between"`` (``low``..``value``).

>>> TITLE.startswith("Hybrid Optimization Framework for Multi-Echelon Inventory Control")
True
>>> t3 = table3("electronics")
>>> float(t3.loc["fill_rate", "traditional"]), float(t3.loc["fill_rate", "hybrid"])
(91.0, 97.0)
>>> claim("s7_1.electronics.backorders_change").value
-28.0
>>> float(table2().loc["GA", "runtime_min"]), float(table2().loc["GA", "quality_pct_of_optimal"])
(25.0, 93.0)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

__all__ = [
    "TITLE", "AUTHOR", "citation", "LEVELS", "CASES", "Claim", "CLAIMS", "claim", "claims",
    "table1", "table2", "table3", "cross_checks",
]

#: The paper's title, exactly as printed; cite the paper by it.
TITLE = ("Hybrid Optimization Framework for Multi-Echelon Inventory Control Integrating Stochastic "
         "Demand, Lead Time Uncertainty, and Real-Time Data Analytics")

#: The author as printed on the paper.
AUTHOR = "Testimony Chikaodi Onebunne"

#: The two case studies of §7 and Table 3.
CASES = ("electronics", "fmcg")

_CASE_TITLES = {"electronics": "Electronics Manufacturing", "fmcg": "FMCG Distribution"}

#: Ordered qualitative ratings used in Tables 1 and 2, lowest first (Table 2 writes
#: "Medium-High" with a hyphen, Table 1 "Moderate–High" with an en dash; both appear here as
#: printed).  ``LEVELS.index(rating)`` is the rank used by ``table1(ranks=True)`` and
#: ``table2(ranks=True)``; "Moderate" and "Medium" share a rank.
LEVELS = ("Low", "Low–Moderate", "Moderate", "Moderate–High", "High", "Very High", "Extreme")
_RANK = {**{lv: i for i, lv in enumerate(LEVELS)}, "Medium": 2, "Medium-High": 3}


def citation() -> str:
    """How casekit cites the paper: author and title (the text carries no venue or year).

    >>> citation().startswith("Onebunne, T. C., “Hybrid Optimization Framework")
    True
    """
    return f"Onebunne, T. C., “{TITLE}”."


@dataclass(frozen=True)
class Claim:
    """One number the paper publishes.

    Attributes
    ----------
    key : str
        Stable identifier, ``<location>.<case or topic>.<quantity>``, e.g.
        ``"table3.fmcg.bullwhip.hybrid"`` or ``"s7_1.electronics.backorders_change"``.
    quantity : str
        What the number measures, in casekit's words.
    value : float
        The number, signed for changes (a fall is negative).
    unit : str
        ``"%"`` (a level in percent), ``"% change"`` (relative to the traditional baseline),
        ``"percentage points"``, ``"ratio"``, ``"days"``, ``"minutes"``, ``"% of optimal"``,
        ``"outlets"`` or ``"std. dev. (unit not stated)"``.
    better : str or None
        ``"higher"`` or ``"lower"`` is better; ``None`` for descriptive numbers.
    location : str
        Where it is printed: ``"Table 3"``, ``"§7.1"``, ...
    case : str or None
        ``"electronics"``, ``"fmcg"`` or ``None`` (a general claim).
    bound : str
        ``"exact"``, ``"up to"`` or ``"between"``.
    printed : str
        The figure as typeset in the paper (e.g. ``"–15"``, ``"28 %"``), for display.
    low : float or None
        The other end of a ``"between"`` claim.
    metric : str or None
        The :data:`casekit.metrics.METRICS` name that measures it, when there is one.
    """

    key: str
    quantity: str
    value: float
    unit: str
    better: str | None
    location: str
    case: str | None = None
    bound: str = "exact"
    printed: str = ""
    low: float | None = None
    metric: str | None = None

    @property
    def interval(self) -> tuple[float, float]:
        """The values the claim allows, in its own unit: ``(value, value)`` for an exact figure,
        ``(value, 0)`` or ``(0, value)`` for "up to" (a fall of up to 15 % allows -15..0) and
        ``(low, value)`` ordered for "between"."""
        if self.bound == "exact":
            return (self.value, self.value)
        if self.bound == "up to":
            return (min(self.value, 0.0), max(self.value, 0.0))
        return (min(self.low, self.value), max(self.low, self.value))

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# Table 1 (§3.3): variance by supply-chain tier, qualitative
# --------------------------------------------------------------------------------------------

_TABLE1 = (
    # tier, demand variance, lead-time variance, combined impact, key drivers
    ("Retail", "Low–Moderate", "Low", "Low", "Point-of-sale volatility"),
    ("Regional DC", "Moderate", "Moderate", "Moderate–High", "Aggregated demand, regional transport delays"),
    ("Central DC", "High", "Moderate–High", "High", "Demand amplification, customs clearance"),
    ("Assembly Plant", "Moderate–High", "High", "Very High",
     "Multi-supplier coordination, international shipping"),
    ("Tier-1 Supplier", "High", "High", "Extreme", "Long-distance logistics, geopolitical risks"),
)


def table1(ranks: bool = False) -> pd.DataFrame:
    """The paper's Table 1 as published: one row per tier, most downstream (Retail) first.

    Columns ``demand_variance``, ``lead_time_variance``, ``combined_impact`` (ratings as printed)
    and ``key_drivers``; with ``ranks=True`` also ``*_rank`` columns (0 = "Low" .. 6 = "Extreme",
    see :data:`LEVELS`).  The table is qualitative: it publishes no variances, only ratings.

    >>> table1().loc["Tier-1 Supplier", "combined_impact"]
    'Extreme'
    >>> table1(ranks=True)["combined_impact_rank"].tolist()
    [0, 3, 4, 5, 6]
    """
    if not isinstance(ranks, bool):
        raise TypeError(f"ranks must be True or False, got {ranks!r}")
    df = pd.DataFrame(_TABLE1, columns=["tier", "demand_variance", "lead_time_variance",
                                        "combined_impact", "key_drivers"]).set_index("tier")
    if ranks:
        for col in ("demand_variance", "lead_time_variance", "combined_impact"):
            df[f"{col}_rank"] = df[col].map(_RANK).astype(int)
    df.attrs.update(location="Table 1 (§3.3)", source=TITLE)
    return df


# --------------------------------------------------------------------------------------------
# Table 2 (§6.3): runtime and solution quality of four methods
# --------------------------------------------------------------------------------------------

_TABLE2 = (
    # method, runtime (min), execution runtime (min) or None, runtime as printed, % of optimal,
    # robustness under disruption, scalability rating
    ("MILP", 180.0, None, "180", 100.0, "Medium", "Low"),
    ("GA", 25.0, None, "25", 93.0, "High", "High"),
    ("MILP + GA Hybrid", 60.0, None, "60", 98.0, "Very High", "Medium-High"),
    ("Simulation + RL Hybrid", 90.0, 15.0, "90 (training) / 15 (execution)", 96.0, "Very High",
     "Medium-High"),
)


def table2(ranks: bool = False) -> pd.DataFrame:
    """The paper's Table 2 as published: four methods, four columns.

    Columns: ``runtime_min`` (average runtime in minutes; for Simulation + RL the training time),
    ``execution_min`` (Simulation + RL only: the execution time, ``nan`` elsewhere),
    ``runtime_printed`` (the cell as typeset), ``quality_pct_of_optimal``, ``robustness`` and
    ``scalability`` (ratings as printed); ``ranks=True`` adds ``robustness_rank`` and
    ``scalability_rank`` on the :data:`LEVELS` scale.  The paper does not say on which instances
    the runtimes were measured, and its ``*``/``**`` footnote marks are not defined in the text.

    >>> table2()["quality_pct_of_optimal"].tolist()
    [100.0, 93.0, 98.0, 96.0]
    """
    if not isinstance(ranks, bool):
        raise TypeError(f"ranks must be True or False, got {ranks!r}")
    df = pd.DataFrame(_TABLE2, columns=["method", "runtime_min", "execution_min", "runtime_printed",
                                        "quality_pct_of_optimal", "robustness", "scalability"])
    df["execution_min"] = df["execution_min"].astype(float)
    df = df.set_index("method")
    if ranks:
        df["robustness_rank"] = df["robustness"].map(_RANK).astype(int)
        df["scalability_rank"] = df["scalability"].map(_RANK).astype(int)
    df.attrs.update(location="Table 2 (§6.3)", source=TITLE)
    return df


# --------------------------------------------------------------------------------------------
# Table 3 (§7.3): traditional vs hybrid in both cases
# --------------------------------------------------------------------------------------------

#: key -> (label as printed, unit, kind, better, casekit metric)
_T3_ROWS = {
    "fill_rate": ("Fill Rate (%)", "%", "level", "higher", "fill_rate_pct"),
    "total_cost_change": ("Total Cost Change vs. Baseline (%)", "% change", "change", "lower",
                          "total_cost_change_pct"),
    "bullwhip": ("Bullwhip Effect (Variance Amplification)", "ratio", "level", "lower", "bullwhip"),
    "emergency_transport_cost_change": ("Emergency Transport Cost Change (%)", "% change", "change",
                                        "lower", "emergency_cost_change_pct"),
    "holding_cost_change": ("Holding Cost Change (%)", "% change", "change", "lower",
                            "holding_cost_change_pct"),
    "co2_change": ("CO₂ Footprint Change (%)", "% change", "change", "lower", "co2_change_pct"),
    "order_cycle_std": ("Order Cycle Stability (Std. Dev.)", "std. dev. (unit not stated)", "level",
                        "lower", "order_cycle_std"),
    "recovery_days": ("Recovery Time Post-Disruption (Days)", "days", "level", "lower",
                      "recovery_periods"),
}

#: case -> key -> (traditional, hybrid, hybrid as printed); None = printed as "—"
_T3 = {
    "electronics": {
        "fill_rate": (91.0, 97.0, "97"), "total_cost_change": (None, -15.0, "–15"),
        "bullwhip": (1.45, 1.13, "1.13"), "emergency_transport_cost_change": (None, -12.0, "–12"),
        "holding_cost_change": (None, -15.0, "–15"), "co2_change": (None, -5.0, "–5"),
        "order_cycle_std": (5.8, 3.9, "3.9"), "recovery_days": (9.0, 6.0, "6"),
    },
    "fmcg": {
        "fill_rate": (89.0, 98.0, "98"), "total_cost_change": (None, -14.0, "–14"),
        "bullwhip": (1.38, 1.13, "1.13"), "emergency_transport_cost_change": (None, -14.0, "–14"),
        "holding_cost_change": (None, -12.0, "–12"), "co2_change": (None, -7.0, "–7"),
        "order_cycle_std": (6.1, 4.0, "4.0"), "recovery_days": (8.0, 5.0, "5"),
    },
}


def _check_case(case) -> str:
    if case not in CASES:
        raise ValueError(f"case must be one of {', '.join(map(repr, CASES))}; got {case!r}")
    return case


def _fmt(v: float) -> str:
    return f"{v:g}"


def table3(case: str) -> pd.DataFrame:
    """The paper's Table 3 for one case, every row, in the paper's units.

    Parameters
    ----------
    case : {"electronics", "fmcg"}

    Returns
    -------
    DataFrame indexed by row key (``fill_rate``, ``total_cost_change``, ``bullwhip``,
    ``emergency_transport_cost_change``, ``holding_cost_change``, ``co2_change``,
    ``order_cycle_std``, ``recovery_days``; the paper's order), with columns

    * ``indicator``: the row label as printed; ``unit``; ``kind``: ``"level"`` or ``"change"``;
    * ``traditional``, ``hybrid``: the values (``nan`` where the table prints "—": change rows
      have no traditional value, the change is printed in the hybrid column);
    * ``printed_traditional``, ``printed_hybrid``: the cells as typeset;
    * ``change``, ``change_unit``, ``change_printed``: for change rows the printed change in
      % (``change_printed`` True); for level rows the change computed from the two printed values
      (points for the fill rate, % for the others; ``change_printed`` False);
    * ``better``: ``"higher"`` or ``"lower"``; ``metric``: the :mod:`casekit.metrics` name.

    >>> t = table3("fmcg")
    >>> t.loc["bullwhip", ["traditional", "hybrid"]].tolist()
    [1.38, 1.13]
    >>> float(t.loc["fill_rate", "change"]), t.loc["fill_rate", "change_unit"]
    (9.0, 'percentage points')
    >>> round(float(t.loc["bullwhip", "change"]), 1)
    -18.1
    """
    case = _check_case(case)
    rows = []
    for key, (label, unit, kind, better, metric) in _T3_ROWS.items():
        trad, hyb, printed = _T3[case][key]
        if kind == "change":
            change, change_unit, printed_change = hyb, "% change", True
        elif key == "fill_rate":
            change, change_unit, printed_change = hyb - trad, "percentage points", False
        else:
            change, change_unit, printed_change = 100.0 * (hyb / trad - 1.0), "% change", False
        rows.append({
            "row": key, "indicator": label, "unit": unit, "kind": kind,
            "traditional": math.nan if trad is None else trad, "hybrid": hyb,
            "printed_traditional": "—" if trad is None else _fmt(trad),
            "printed_hybrid": printed, "change": change, "change_unit": change_unit,
            "change_printed": printed_change, "better": better, "metric": metric,
        })
    df = pd.DataFrame(rows).set_index("row")
    df.attrs.update(location="Table 3 (§7.3)", case=case, case_title=_CASE_TITLES[case], source=TITLE)
    return df


# --------------------------------------------------------------------------------------------
# every figure as a Claim
# --------------------------------------------------------------------------------------------

def _table_claims() -> list[Claim]:
    out = []
    for method, run, exe, run_p, qual, _, _ in _TABLE2:
        slug = method.lower().replace(" + ", "_").replace(" ", "_")
        what = "training runtime" if exe is not None else "average runtime"
        out.append(Claim(f"table2.{slug}.runtime_min", f"{method}: {what}", run, "minutes", "lower",
                         "Table 2", printed=run_p))
        if exe is not None:
            out.append(Claim(f"table2.{slug}.execution_min", f"{method}: execution runtime", exe,
                             "minutes", "lower", "Table 2", printed=run_p))
        out.append(Claim(f"table2.{slug}.quality_pct", f"{method}: solution quality", qual,
                         "% of optimal", "higher", "Table 2", printed=f"{qual:g}%"))
    for case in CASES:
        for key, (label, unit, kind, better, metric) in _T3_ROWS.items():
            trad, hyb, printed = _T3[case][key]
            if trad is not None:
                out.append(Claim(f"table3.{case}.{key}.traditional", f"{label}, traditional", trad, unit,
                                 better, "Table 3", case, printed=_fmt(trad), metric=metric))
            out.append(Claim(f"table3.{case}.{key}.hybrid", f"{label}, hybrid", hyb, unit, better,
                             "Table 3", case, printed=printed, metric=metric))
    return out


_PROSE = (
    # §3.3
    Claim("s3_3.safety_stock_alignment.inventory_change",
          "total system inventory (units) when safety stocks follow each echelon's variance profile, "
          "service unchanged", -15.0, "% change", "lower", "§3.3", bound="up to", printed="up to 15%",
          metric="inventory_change_pct"),
    # §4.2
    Claim("s4_2.retraining.forecast_error_change",
          "forecast error of continuously retrained models vs static batch-trained ones", -20.0,
          "% change", "lower", "§4.2", bound="up to", printed="up to 20%",
          metric="forecast_error_change_pct"),
    # §5.2
    Claim("s5_2.forecast_optimisation_coupling.holding_cost_change",
          "holding cost when forecasting is coupled to the optimisation", -15.0, "% change", "lower",
          "§5.2", bound="up to", printed="up to 15%", metric="holding_cost_change_pct"),
    Claim("s5_2.forecast_optimisation_coupling.service_level_change",
          "service level when forecasting is coupled to the optimisation (the paper does not say "
          "whether relative % or points)", 8.0, "% (unit ambiguous)", "higher", "§5.2", bound="up to",
          printed="as much as 8%", metric="service_level_change"),
    # §7.1 electronics
    Claim("s7_1.electronics.backorders_change", "backorders across high-volume SKUs", -28.0, "% change",
          "lower", "§7.1", "electronics", printed="28 %", metric="backorders_change_pct"),
    Claim("s7_1.electronics.tier1_holding_cost_change", "holding cost at the Tier-1 assembler", -15.0,
          "% change", "lower", "§7.1", "electronics", printed="15 %", metric="holding_cost_change_pct"),
    Claim("s7_1.electronics.bullwhip_change", "bullwhip index between tiers", -22.0, "% change", "lower",
          "§7.1", "electronics", printed="22 %", metric="bullwhip_change_pct"),
    # §7.2 FMCG
    Claim("s7_2.fmcg.outlets", "retail outlets supplied by the regional warehouses (more than)", 2000.0,
          "outlets", None, "§7.2", "fmcg", bound="exact", printed="over 2,000"),
    Claim("s7_2.fmcg.fill_rate_change", "network fill rate vs historical performance (printed with a "
          "% sign; §7.3 and Table 3 give it as 9 points)", 9.0, "%", "higher", "§7.2", "fmcg",
          printed="9 %", metric="fill_rate_change_points"),
    Claim("s7_2.fmcg.emergency_transport_cost_change", "emergency transportation cost", -14.0,
          "% change", "lower", "§7.2", "fmcg", printed="14 %", metric="emergency_cost_change_pct"),
    Claim("s7_2.fmcg.holding_cost_change", "overall inventory holding cost", -12.0, "% change", "lower",
          "§7.2", "fmcg", printed="12 %", metric="holding_cost_change_pct"),
    Claim("s7_2.fmcg.co2_change", "transportation-related emissions", -7.0, "% change", "lower", "§7.2",
          "fmcg", printed="7 %", metric="co2_change_pct"),
    # §7.3 both cases
    Claim("s7_3.electronics.fill_rate_change", "fill rate vs baseline", 6.0, "percentage points",
          "higher", "§7.3", "electronics", printed="6 percentage points", metric="fill_rate_change_points"),
    Claim("s7_3.fmcg.fill_rate_change", "fill rate vs baseline", 9.0, "percentage points", "higher",
          "§7.3", "fmcg", printed="9 point", metric="fill_rate_change_points"),
    Claim("s7_3.electronics.total_cost_change", "total cost (holding + ordering + shortage)", -15.0,
          "% change", "lower", "§7.3", "electronics", printed="15 %", metric="total_cost_change_pct"),
    Claim("s7_3.fmcg.total_cost_change", "total cost (holding + ordering + shortage)", -14.0, "% change",
          "lower", "§7.3", "fmcg", printed="14 %", metric="total_cost_change_pct"),
    Claim("s7_3.electronics.bullwhip_change", "variance amplification ratio, upstream orders over "
          "downstream demand", -22.0, "% change", "lower", "§7.3", "electronics", printed="22 %",
          metric="bullwhip_change_pct"),
    Claim("s7_3.fmcg.bullwhip_change", "variance amplification ratio, upstream orders over downstream "
          "demand", -18.0, "% change", "lower", "§7.3", "fmcg", printed="18 %", metric="bullwhip_change_pct"),
    Claim("s7_3.fmcg.co2_change", "logistics-related CO2 emissions", -7.0, "% change", "lower", "§7.3",
          "fmcg", printed="7 %", metric="co2_change_pct"),
    Claim("s7_3.electronics.co2_change", "logistics-related CO2 emissions", -5.0, "% change", "lower",
          "§7.3", "electronics", printed="5 %", metric="co2_change_pct"),
    # §9 conclusion (across both cases)
    Claim("s9.fill_rate_change", "fill rate, across both cases", 9.0, "percentage points", "higher", "§9",
          bound="up to", printed="up to nine percentage points", metric="fill_rate_change_points"),
    Claim("s9.total_cost_change", "total cost, across both cases", -15.0, "% change", "lower", "§9",
          bound="between", low=-14.0, printed="between 14 % and 15 %", metric="total_cost_change_pct"),
    Claim("s9.co2_change", "logistics-related CO2 emissions, across both cases", -7.0, "% change", "lower",
          "§9", bound="up to", printed="up to 7 %", metric="co2_change_pct"),
)

#: Every number the paper publishes: Table 2 and Table 3 entries and the figures in its prose
#: (Table 1 is qualitative: see :func:`table1`).
CLAIMS: tuple[Claim, ...] = tuple(_table_claims()) + _PROSE
_BY_KEY = {c.key: c for c in CLAIMS}
assert len(_BY_KEY) == len(CLAIMS), "claim keys must be unique"


def claim(key: str) -> Claim:
    """The :class:`Claim` with this key (see :func:`claims` for the list).

    >>> claim("s9.total_cost_change").interval
    (-15.0, -14.0)
    """
    if key not in _BY_KEY:
        near = [k for k in _BY_KEY if key and key.split(".")[0] == k.split(".")[0]] or list(_BY_KEY)[:8]
        raise ValueError(f"key must be one of casekit.paper.claims().index (e.g. {', '.join(near[:8])}); "
                         f"got {key!r}")
    return _BY_KEY[key]


def claims(case: str | None = None, location: str | None = None) -> pd.DataFrame:
    """All claims as a tidy DataFrame indexed by key, optionally filtered.

    Parameters
    ----------
    case : {"electronics", "fmcg"} or None
        Keep the claims about one case (general claims are dropped).
    location : str or None
        Keep one location, e.g. ``"Table 3"`` or ``"§7.1"``.

    >>> len(claims(location="Table 2"))
    9
    >>> claims(case="electronics", location="§7.1")["value"].tolist()
    [-28.0, -15.0, -22.0]
    """
    if case is not None:
        _check_case(case)
    locations = sorted({c.location for c in CLAIMS})
    if location is not None and location not in locations:
        raise ValueError(f"location must be one of {', '.join(map(repr, locations))} or None; "
                         f"got {location!r}")
    rows = [c.to_dict() for c in CLAIMS
            if (case is None or c.case == case) and (location is None or c.location == location)]
    df = pd.DataFrame(rows, columns=list(Claim.__dataclass_fields__)).set_index("key")
    df.attrs.update(source=TITLE)
    return df


def cross_checks() -> pd.DataFrame:
    """Prose figures beside the Table 3 values they restate.

    Each row: the prose claim's key and value, the same quantity derived from Table 3 (in the
    prose's unit), and ``consistent``: whether the derived value rounds to the printed one (to the
    prose figure's last printed digit, i.e. within 0.5).  Rows where the paper disagrees with itself
    are kept, with ``note`` saying how:

    * §7.2 prints the FMCG fill-rate gain as "9 %"; Table 3 (89 -> 98) is 9 points, a 10.1 %
      relative gain;
    * §7.1's 28 % fewer backorders cannot be the unfilled share of demand of Table 3: a fill rate
      of 91 -> 97 % leaves 9 -> 3 % of demand unfilled, 66.7 % fewer (the paper limits its 28 % to
      high-volume SKUs and does not define backorders).

    >>> cc = cross_checks()
    >>> bool(cc.loc["s7_3.electronics.bullwhip_change", "consistent"])
    True
    >>> round(float(cc.loc["s7_1.electronics.backorders_change", "table3_derived"]), 1)
    -66.7
    """
    t = {case: table3(case) for case in CASES}
    rows = []

    def add(key, derived, how, note=""):
        c = _BY_KEY[key]
        rows.append({"key": key, "prose": c.value, "unit": c.unit, "table3_derived": derived,
                     "derivation": how, "consistent": abs(derived - c.value) <= 0.5 + 1e-9, "note": note})

    for case in CASES:
        fr = t[case].loc["fill_rate"]
        add(f"s7_3.{case}.fill_rate_change", fr.hybrid - fr.traditional,
            "Table 3 fill rate, hybrid - traditional (points)")
        bw = t[case].loc["bullwhip"]
        add(f"s7_3.{case}.bullwhip_change", 100 * (bw.hybrid / bw.traditional - 1),
            "Table 3 bullwhip, 100 (hybrid / traditional - 1)")
        add(f"s7_3.{case}.total_cost_change", t[case].loc["total_cost_change", "hybrid"],
            "Table 3 total cost change")
        add(f"s7_3.{case}.co2_change", t[case].loc["co2_change", "hybrid"], "Table 3 CO2 change")
    e, f = t["electronics"], t["fmcg"]
    add("s7_1.electronics.bullwhip_change", 100 * (e.loc["bullwhip", "hybrid"] / e.loc["bullwhip", "traditional"] - 1),
        "Table 3 bullwhip, 100 (hybrid / traditional - 1)")
    add("s7_1.electronics.tier1_holding_cost_change", e.loc["holding_cost_change", "hybrid"],
        "Table 3 holding cost change (network-wide; the prose says Tier-1)")
    unfilled_t, unfilled_h = 100 - e.loc["fill_rate", "traditional"], 100 - e.loc["fill_rate", "hybrid"]
    add("s7_1.electronics.backorders_change", 100 * (unfilled_h / unfilled_t - 1),
        "unfilled share of demand from Table 3 fill rates, 100 ((100-97)/(100-91) - 1)",
        "28 % fewer backorders is far from the 66.7 % fall in unfilled demand that 91 -> 97 % implies")
    add("s7_2.fmcg.fill_rate_change", 100 * (f.loc["fill_rate", "hybrid"] / f.loc["fill_rate", "traditional"] - 1),
        "Table 3 fill rate as a relative change, 100 (98 / 89 - 1)",
        "printed as 9 %: it is 9 points (as §7.3 says), a 10.1 % relative gain")
    add("s7_2.fmcg.emergency_transport_cost_change", f.loc["emergency_transport_cost_change", "hybrid"],
        "Table 3 emergency transport cost change")
    add("s7_2.fmcg.holding_cost_change", f.loc["holding_cost_change", "hybrid"], "Table 3 holding cost change")
    add("s7_2.fmcg.co2_change", f.loc["co2_change", "hybrid"], "Table 3 CO2 change")
    best_fr = max(t[c].loc["fill_rate", "hybrid"] - t[c].loc["fill_rate", "traditional"] for c in CASES)
    add("s9.fill_rate_change", best_fr, "largest Table 3 fill-rate gain (points)")
    df = pd.DataFrame(rows).set_index("key")
    df.attrs.update(source=TITLE)
    return df
