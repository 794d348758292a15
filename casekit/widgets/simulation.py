"""Chapters 08-10 widgets and the network simulator app (thin wiring over casekit.simulation).

* :func:`network_simulator` — pick a network, a policy and a scenario; every number shown is
  :func:`simulator_run` of the controls (the pure function the browser test also calls);
* :func:`disruption_explorer` — a supplier shutdown of adjustable length: the fill-rate dip and
  the recovery time (:func:`disruption_run`);
* :func:`crn_explorer` — the confidence interval on a cost difference with and without common
  random numbers (:func:`casekit.simulation.optimize.paired_difference`).
"""

from __future__ import annotations

import math
from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt

from scipy import stats

from casekit.network import assembly, distribution, serial
from casekit.policies import SS, BaseStock, EchelonBaseStock, ForecastOrderUpTo
from casekit.simulation import SimulationConfig, simulate
from casekit.simulation.scenarios import Scenario, SupplierShutdown, library
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "150px"}
_LAYOUT = W.Layout(width="460px")

NETWORKS = ("Example 6.1 (serial)", "Distribution (1 warehouse, 3 retailers)", "Assembly (2 components)")
POLICIES = ("Echelon base stock", "Installation base stock", "(s, S)", "Forecast order-up-to")
SCENARIOS = ("baseline", "supplier_shutdown", "port_congestion", "demand_spike", "transport_disruption",
             "compound_crisis")


def example_network(name: str):
    """The app's three networks (Poisson demand, whole units)."""
    if name == NETWORKS[0]:
        return serial([3, 2, 2], [1, 1, 2], 37.12, stats.poisson(5))
    if name == NETWORKS[1]:
        return distribution(1, 2, 2, 1, stats.poisson(10), 20, n_retailers=3, lane_lead_time=1)
    if name == NETWORKS[2]:
        return assembly(10, 1, [2, 3], [4, 2], stats.poisson(8), 50, units_per_parent=[2, 1])
    raise ValueError(f"network must be one of {NETWORKS}, got {name!r}")


def cover_levels(net, z: float = 1.65) -> dict:
    """Local levels covering each stage's replenishment time + 1 period of mean demand plus z
    standard deviations (rounded): a simple starting point for any network."""
    out = {}
    for i in net.ids:
        T = net.replenishment_time(i) + 1
        out[i] = float(round(net.demand_mean(i) * T + z * net.demand_sd(i) * math.sqrt(T)))
    return out


def example_policy(name: str, net):
    """The app's policies for a network, from :func:`cover_levels` (the serial system's echelon
    levels are its Clark–Scarf optimum)."""
    local = cover_levels(net)
    if name == POLICIES[0]:
        if net.is_serial:
            from casekit.multiechelon import optimize_serial

            return EchelonBaseStock(list(optimize_serial(net).base_stock))
        return EchelonBaseStock(net.to_echelon(local))
    if name == POLICIES[1]:
        return BaseStock(local)
    if name == POLICIES[2]:
        return SS({i: v - round(net.demand_mean(i)) for i, v in local.items()},
                  {i: v + round(net.demand_mean(i)) for i, v in local.items()})
    if name == POLICIES[3]:
        return ForecastOrderUpTo(alpha=0.3, z=1.65)
    raise ValueError(f"policy must be one of {POLICIES}, got {name!r}")


@lru_cache(maxsize=64)
def simulator_run(network: str, policy: str, scenario: str, periods: int = 120, replications: int = 5,
                  seed: int = 0, engine: str = "fast"):
    """What the app shows: ``simulate`` of the chosen network, policy and scenario (starting in
    period ``periods // 3``, lasting 8 periods), warm-up 20 periods."""
    net = example_network(network)
    pol = example_policy(policy, net)
    sc = library(net, start=max(periods // 3, 1), duration=8)[scenario]
    return simulate(net, pol, periods, replications, seed=seed, engine=engine, scenario=sc, warmup=20,
                    config=SimulationConfig(keep_series=True, event_log=False, progress=False))


def _message(box: W.HTML, err: Exception | None) -> None:
    show_error(box, err, "Cannot simulate this combination")


def _plot_stock(res, out: W.Output, title: str) -> None:
    with out:
        out.clear_output(wait=True)
        fig, ax = plt.subplots(figsize=(7.5, 3.0))
        on = res.series["on_hand"][0]
        bo = res.series["backorders"][0]
        for j, sid in enumerate(res.stage_ids):
            ax.plot(on[:, j] - bo[:, j], lw=1.2, label=f"stage {sid}")
        sc = res.scenario
        if sc is not None and sc.disruption_start is not None:
            ax.axvspan(sc.disruption_start, sc.disruption_end, color="#dd8452", alpha=0.15, label=sc.name)
        ax.axhline(0, color="grey", lw=0.7)
        ax.set_xlabel("period (after warm-up)")
        ax.set_ylabel("net inventory (units)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, ncol=3, loc="upper right")
        fig.tight_layout()
        plt.show()


def network_simulator(network: str = NETWORKS[0], policy: str = POLICIES[0], scenario: str = "supplier_shutdown",
                      periods: int = 120, replications: int = 5, seed: int = 0) -> W.VBox:
    """The network simulator: inventory trajectories per stage and the KPI table."""
    net_w = labelled(W.Dropdown(options=NETWORKS, value=network, description="network", style=_STYLE,
                                layout=_LAYOUT), "network")
    pol_w = labelled(W.Dropdown(options=POLICIES, value=policy, description="policy", style=_STYLE,
                                layout=_LAYOUT), "policy")
    sc_w = labelled(W.Dropdown(options=SCENARIOS, value=scenario, description="scenario", style=_STYLE,
                               layout=_LAYOUT), "scenario")
    per_w = labelled(W.IntSlider(value=periods, min=60, max=400, step=20, description="periods",
                                 continuous_update=False, style=_STYLE, layout=_LAYOUT), "periods")
    seed_w = labelled(W.IntSlider(value=seed, min=0, max=99, description="seed", continuous_update=False,
                                  style=_STYLE, layout=_LAYOUT), "seed")
    cost = readout("cost", "Cost per period (mean):", fmt=".2f")
    fill = readout("fill-rate", "Fill rate β (mean):", fmt=".4f")
    co2 = readout("bullwhip", "Bullwhip ratio (mean):", fmt=".3f")
    msg = W.HTML()
    table = W.HTML()
    plot = W.Output()

    def update(_=None):
        try:
            res = simulator_run(net_w.value, pol_w.value, sc_w.value, per_w.value, replications, seed_w.value)
        except (ValueError, TypeError) as err:
            _message(msg, err)
            return
        _message(msg, None)
        s = res.summary()
        set_readout(cost, float(s.loc["cost_per_period", "mean"]))
        set_readout(fill, float(s.loc["fill_rate", "mean"]))
        set_readout(co2, float(s.loc["bullwhip_ratio", "mean"]))
        table.value = s.round(4).to_html(classes="ck-kpi-table")
        _plot_stock(res, plot, f"{net_w.value}: {pol_w.value}, scenario {sc_w.value} (replication 0)")

    for w in (net_w, pol_w, sc_w, per_w, seed_w):
        w.observe(update, names="value")
    update()
    return W.VBox([net_w, pol_w, sc_w, per_w, seed_w, cost, fill, co2, msg, plot, table])


# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def disruption_run(duration: int, safety: int = 0, periods: int = 100, replications: int = 20, seed: int = 0):
    """Example 6.1 (Poisson(5)) at its optimum echelon levels plus ``safety`` units at stage 1,
    with stage 3 shut for ``duration`` periods from period 30: fast engine."""
    net = example_network(NETWORKS[0])
    from casekit.multiechelon import optimize_serial

    S = list(optimize_serial(net).base_stock)
    S = [s + safety for s in S]
    sc = Scenario("shutdown", (SupplierShutdown(3, 30, duration),)) if duration > 0 else None
    return simulate(net, EchelonBaseStock(S), periods, replications, seed=seed, engine="fast", scenario=sc,
                    warmup=20, config=SimulationConfig(keep_series=True, progress=False))


def disruption_explorer(duration: int = 6, safety: int = 0) -> W.VBox:
    """Slide the shutdown's length and extra safety stock; see the fill-rate dip and recovery."""
    dur_w = labelled(W.IntSlider(value=duration, min=0, max=20, description="shutdown (periods)",
                                 continuous_update=False, style=_STYLE, layout=_LAYOUT), "duration")
    saf_w = labelled(W.IntSlider(value=safety, min=0, max=30, description="extra stock (units)",
                                 continuous_update=False, style=_STYLE, layout=_LAYOUT), "safety")
    fill = readout("fill-rate", "Fill rate β (mean):", fmt=".4f")
    rec = readout("recovery", "Recovery time (periods, mean):", fmt=".1f")
    cost = readout("cost", "Cost per period (mean):", fmt=".2f")
    plot = W.Output()

    def update(_=None):
        res = disruption_run(dur_w.value, saf_w.value)
        s = res.summary()
        set_readout(fill, float(s.loc["fill_rate", "mean"]))
        set_readout(rec, float(s.loc["recovery_periods", "mean"]) if "recovery_periods" in s.index else 0.0)
        set_readout(cost, float(s.loc["cost_per_period", "mean"]))
        from casekit.metrics import rolling_fill_rate

        roll = rolling_fill_rate(res.series["external_demand"][:, :, 0], res.series["met"][:, :, 0], 10)
        with plot:
            plot.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 2.8))
            ax.plot(roll.T, color="#4c72b0", alpha=0.15, lw=0.8)
            ax.plot(roll.mean(axis=0), color="#4c72b0", lw=2, label="mean of replications")
            if dur_w.value:
                ax.axvspan(30, 30 + dur_w.value, color="#dd8452", alpha=0.2, label="stage 3 shut")
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("period")
            ax.set_ylabel("rolling fill rate (10 periods)")
            ax.legend(fontsize=8, loc="lower right")
            fig.tight_layout()
            plt.show()

    dur_w.observe(update, names="value")
    saf_w.observe(update, names="value")
    update()
    return W.VBox([dur_w, saf_w, fill, rec, cost, plot])


# --------------------------------------------------------------------------------------------
def crn_explorer(replications: int = 8, periods: int = 400) -> W.VBox:
    """Width of the 95% CI on cost(9, 15, 26) - cost(10, 16, 25) in Example 6.1, with and
    without common random numbers, as the number of replications changes."""
    from casekit.simulation.optimize import paired_difference

    net = example_network(NETWORKS[0])
    a, b = EchelonBaseStock([9, 15, 26]), EchelonBaseStock([10, 16, 25])
    reps_w = labelled(W.IntSlider(value=replications, min=2, max=40, description="replications",
                                  continuous_update=False, style=_STYLE, layout=_LAYOUT), "replications")
    crn = readout("crn-width", "CI width, common random numbers:", fmt=".3f")
    ind = readout("ind-width", "CI width, independent draws:", fmt=".3f")

    def update(_=None):
        c = paired_difference(net, a, b, periods, reps_w.value, seed=0)
        i = paired_difference(net, a, b, periods, reps_w.value, seed=0, common=False)
        set_readout(crn, c[2] - c[1])
        set_readout(ind, i[2] - i[1])

    reps_w.observe(update, names="value")
    update()
    return W.VBox([reps_w, crn, ind])



