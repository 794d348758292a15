"""Chapters 05-07 widgets and the safety-stock placement app (thin wiring, no model logic).

* :func:`risk_pooling_explorer` — :func:`casekit.multiechelon.risk_pooling` of the sliders;
* :func:`serial_explorer` — :func:`optimize_serial`, :func:`shang_song` and
  :func:`independent_serial` of a three-stage serial system built by :func:`serial_network`;
* :func:`placement_explorer` — :func:`casekit.multiechelon.compare_placement` on one of
  :func:`casekit.multiechelon.examples.placement_examples`.
"""

from __future__ import annotations


import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from casekit.multiechelon import (by_tier, compare_placement, independent_serial, optimize_serial, risk_pooling,
                                  shang_song)
from casekit.multiechelon.examples import placement_examples
from casekit.network import serial
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "190px"}
_LAYOUT = W.Layout(width="520px")


def _slider(cls, name, description, **kw):
    return labelled(cls(description=description, continuous_update=False, style=_STYLE, layout=_LAYOUT, **kw), name)


def _error(box: W.HTML, err: Exception | None) -> None:
    show_error(box, err, "Cannot compute this combination")


# ---------------------------------------------------------------------------------------------
def risk_pooling_explorer(n_locations: int = 4, demand_sd: float = 10.0, correlation: float = 0.0,
                          lead_time: float = 1.0, demand_bound: float = 1.645) -> W.VBox:
    """n identical locations with demand sd σ and pairwise correlation ρ: safety stock held
    separately vs pooled in one place."""
    n_w = _slider(W.IntSlider, "n-locations", "locations n", value=n_locations, min=1, max=50)
    sd_w = _slider(W.FloatSlider, "demand-sd", "demand sd per location", value=demand_sd, min=0.5, max=50, step=0.5)
    rho_w = _slider(W.FloatSlider, "correlation", "correlation ρ", value=correlation, min=0.0, max=1.0, step=0.05)
    dec = readout("decentralised", "Safety stock, each location alone (units):", fmt=".2f")
    cen = readout("centralised", "Safety stock, pooled (units):", fmt=".2f")
    sav = readout("saving", "Saving from pooling:", fmt=".1%")
    msg = W.HTML()

    def update(_=None):
        try:
            r = risk_pooling([sd_w.value] * n_w.value, lead_time=lead_time, demand_bound=demand_bound,
                             correlation=rho_w.value)
        except ValueError as err:
            _error(msg, err)
            return
        _error(msg, None)
        set_readout(dec, r.decentralised)
        set_readout(cen, r.centralised)
        set_readout(sav, r.saving)

    for w in (n_w, sd_w, rho_w):
        w.observe(update, names="value")
    update()
    return W.VBox([n_w, sd_w, rho_w, dec, cen, sav, msg])


# ---------------------------------------------------------------------------------------------
def serial_network(stockout_cost: float = 37.12, demand_mean: float = 5.0, demand_sd: float = 1.0,
                   lead_time_upstream: float = 2.0, holding_cost_downstream: float = 3.0):
    """Example 6.1 with some numbers changed: the network :func:`serial_explorer` solves."""
    return serial([holding_cost_downstream, 2, 2], [1, 1, lead_time_upstream], stockout_cost,
                  stats.norm(demand_mean, demand_sd))


def serial_explorer(stockout_cost: float = 37.12, demand_mean: float = 5.0, demand_sd: float = 1.0,
                    lead_time_upstream: float = 2.0, holding_cost_downstream: float = 3.0) -> W.VBox:
    """Sliders for Example 6.1's numbers; optimal vs Shang–Song vs every stage alone, in units and cost."""
    p_w = _slider(W.FloatSlider, "stockout-cost", "stockout cost p", value=stockout_cost, min=1, max=200, step=0.5)
    m_w = _slider(W.FloatSlider, "demand-mean", "demand mean / period", value=demand_mean, min=1, max=50, step=0.5)
    s_w = _slider(W.FloatSlider, "demand-sd", "demand sd / period", value=demand_sd, min=0.1, max=20, step=0.1)
    l_w = _slider(W.FloatSlider, "lead-time", "lead time of stage 3 (periods)", value=lead_time_upstream,
                  min=0, max=10, step=0.5)
    h_w = _slider(W.FloatSlider, "holding-cost", "echelon holding cost h₁", value=holding_cost_downstream,
                  min=0, max=20, step=0.5)
    opt_r = readout("cost-optimal", "Optimal cost / period:", fmt=".3f")
    ss_r = readout("cost-shang-song", "Shang–Song heuristic:", fmt=".3f")
    alone_r = readout("cost-alone", "Every stage alone:", fmt=".3f")
    levels = W.HTML()
    msg = W.HTML()
    plot = W.Output()

    def update(_=None):
        try:
            net = serial_network(p_w.value, m_w.value, s_w.value, l_w.value, h_w.value)
            res = [optimize_serial(net), shang_song(net), independent_serial(net)]
        except ValueError as err:
            _error(msg, err)
            return
        _error(msg, None)
        for r, w in zip(res, (opt_r, ss_r, alone_r)):
            set_readout(w, r.cost)
        levels.value = ("<b>Echelon base stock S (stages 1, 2, 3)</b>: " + "; ".join(
            f"{r.method}: " + ", ".join(f"{s:.2f}" for s in r.base_stock) for r in res))
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 2.8))
            x = np.arange(3)
            for k, (r, colour) in enumerate(zip(res, ("#4c72b0", "#55a868", "#dd8452"))):
                ax.bar(x + (k - 1) * 0.27, r.local_base_stock, 0.27, color=colour,
                       label=f"{r.method} (cost {r.cost:.2f})")
            ax.set_xticks(x, ["stage 1 (customer)", "stage 2", "stage 3"])
            ax.set_ylabel("local base stock (units)")
            ax.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (p_w, m_w, s_w, l_w, h_w):
        w.observe(update, names="value")
    update()
    return W.VBox([p_w, m_w, s_w, l_w, h_w, opt_r, ss_r, alone_r, levels, msg, plot])


# ---------------------------------------------------------------------------------------------
def placement(network_name: str, demand_bound: float, customer_cst: float | None = None):
    """What :func:`placement_explorer` shows: ``compare_placement`` on the named example network
    (``customer_cst=None`` keeps each network's own promise to its customers)."""
    nets = placement_examples()
    if network_name not in nets:
        raise ValueError(f"network_name must be one of {sorted(nets)}, got {network_name!r}")
    net = nets[network_name]
    return net, compare_placement(net, demand_bound=demand_bound, customer_cst=customer_cst)


def placement_explorer(network_name: str = "Example 6.5 (tree)", demand_bound: float = 1.645,
                       customer_cst: int | None = None) -> W.VBox:
    """Choose a network and the service time promised to customers; see the optimal committed
    service times, safety stock per stage and per tier, and the saving over uniform placement."""
    names = list(placement_examples())
    net_w = labelled(W.Dropdown(options=names, value=network_name, description="network", style=_STYLE,
                                layout=_LAYOUT), "network")
    z_w = _slider(W.FloatSlider, "demand-bound", "demand bound z", value=demand_bound, min=0.0, max=3.0,
                  step=0.005, readout_format=".3f")
    promises = [("as in the example", None)] + [(f"{k} period{'s' if k != 1 else ''}", k) for k in range(7)]
    c_w = labelled(W.Dropdown(options=promises, value=customer_cst, description="service time promised to customers",
                              style=_STYLE, layout=_LAYOUT), "customer-cst")
    cost_r = readout("cost-optimal", "Optimal safety-stock cost / period:", fmt=".4f")
    uni_r = readout("cost-uniform", "Uniform (every stage buffers its own lead time):", fmt=".4f")
    sav_r = readout("saving", "Cost saving of echelon-aware placement:", fmt=".1%")
    units_r = readout("unit-saving", "Safety-stock units saved:", fmt=".1%")
    table = W.HTML()
    msg = W.HTML()
    plot = W.Output()

    def update(_=None):
        try:
            net, cmp = placement(net_w.value, z_w.value, c_w.value)
        except ValueError as err:
            _error(msg, err)
            return
        _error(msg, None)
        set_readout(cost_r, cmp.optimal.cost)
        set_readout(uni_r, cmp.uniform.cost)
        set_readout(sav_r, cmp.cost_saving)
        set_readout(units_r, cmp.unit_saving)
        table.value = cmp.to_frame().round(3).to_html(classes="ck-table")
        with plot:
            plot.clear_output(wait=True)
            fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [3, 2]})
            net.draw(ax=a1, values=cmp.optimal.safety_stock, value_label="SS ",
                     title="optimal safety stock (units) per stage")
            tiers_o = by_tier(net, cmp.optimal.safety_stock)
            tiers_u = by_tier(net, cmp.uniform.safety_stock)
            t = np.array(list(tiers_o))
            a2.bar(t - 0.2, [tiers_u[k] for k in t], 0.4, color="#dd8452", label="uniform")
            a2.bar(t + 0.2, [tiers_o[k] for k in t], 0.4, color="#4c72b0", label="optimal")
            a2.set_xticks(t, [f"tier {k}" for k in t])
            a2.set_ylabel("safety stock (units)")
            a2.set_title("by tier (1 = customer-facing)", fontsize=9)
            a2.legend(fontsize=8)
            fig.tight_layout()
            plt.show()

    for w in (net_w, z_w, c_w):
        w.observe(update, names="value")
    update()
    return W.VBox([net_w, z_w, c_w, cost_r, uni_r, sav_r, units_r, msg, plot, table])
