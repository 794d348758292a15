"""Chapter 12 widget and the control-tower app: the replayed stream, KPIs, alerts ranked by impact,
drill-down network -> node -> SKU, and the digital twin's "what if, from now" panel.

Every number shown is :func:`casekit.streaming.dashboard_state` of the controls, or for the panel
:func:`casekit.twin.what_if` (the pure functions the browser test also calls).
"""

from __future__ import annotations

import html

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.streaming import dashboard_state
from casekit.twin import LEVERS, SCENARIOS, twin_state, what_if
from casekit.widgets._common import labelled, readout, set_readout, show_error

_STYLE = {"description_width": "120px"}
NETWORK, ALL = "network", "all SKUs"
DAY = 86400


def _alerts_html(alerts, n=8) -> str:
    if not len(alerts):
        return "<p><i>No alerts for this selection yet.</i></p>"
    rows = []
    for i, a in enumerate(alerts.head(n).itertuples(), start=1):
        when = f"day {a.ts / DAY:.2f}"
        what = {"temperature": f"cold room at {a.value:.1f} \u00b0C",
                "late_shipment": f"shipment {a.shipment} ETA {a.value:+.1f} h late",
                "shock": f"shipment {a.shipment} shock {a.value:.1f} g"}.get(a.kind, a.kind)
        rows.append(f"<tr><td>{i}</td><td>{html.escape(when)}</td><td>{html.escape(a.node)}</td>"
                    f"<td>{html.escape(a.sku or '-')}</td><td>{html.escape(what)}</td>"
                    f"<td style='text-align:right'>{a.impact:,.0f}</td></tr>")
    return ("<table class='ck-alert-table'><tr><th>#</th><th>when</th><th>node</th><th>SKU</th><th>alert</th>"
            "<th>expected cost if unresolved</th></tr>" + "".join(rows) + "</table>")


def _stores_html(stores) -> str:
    rows = []
    for node, r in stores.iterrows():
        day = "-" if np.isnan(r.stockout_day) else f"{r.stockout_day:.2f}"
        rows.append(f"<tr><td>{html.escape(str(node))}</td><td style='text-align:right'>{r.p_stockout:.0%}</td>"
                    f"<td style='text-align:right'>{day}</td><td style='text-align:right'>{r.units_short:,.0f}</td>"
                    f"<td style='text-align:right'>{r.fill_rate:.3f}</td></tr>")
    return ("<table class='ck-twin-table'><tr><th>store</th><th>chance of a stockout</th>"
            "<th>stockout day (median, from now)</th><th>units short (mean)</th><th>fill rate</th></tr>"
            + "".join(rows) + "</table>")


def what_if_panel(events, policy, day_w, node_w, *, seed: int = 0, _states=None) -> W.VBox:
    """The twin's panel: from the end of the day chosen in ``day_w``, project the stores under a
    scenario and a lever (:func:`casekit.twin.what_if`) when the button is pressed; the fan chart
    follows the node chosen in ``node_w``."""
    states = {} if _states is None else _states          # twin states by day: a replay each is slow

    def state_for(day):
        if day not in states:
            if len(states) >= 4:
                states.pop(next(iter(states)))
            states[day] = twin_state(events, policy, day * DAY)
        return states[day]

    scen_w = labelled(W.Dropdown(options=list(SCENARIOS), value="supplier stops tomorrow", description="scenario",
                                 style=_STYLE), "twin-scenario")
    lever_w = labelled(W.Dropdown(options=list(LEVERS), value="as is", description="lever", style=_STYLE),
                       "twin-lever")
    days_w = labelled(W.IntSlider(value=5, min=1, max=14, description="days ahead", continuous_update=False,
                                  style=_STYLE), "twin-days")
    reps_w = labelled(W.IntSlider(value=100, min=20, max=400, step=20, description="replications",
                                  continuous_update=False, style=_STYLE), "twin-replications")
    run = labelled(W.Button(description="Run the twin", button_style="primary"), "twin-run")
    r_fill = readout("twin-fill-rate", "Projected fill rate:", fmt=".4f")
    r_short = readout("twin-units-short", "Projected units short (mean):", fmt=",.0f")
    r_out = readout("twin-stores-out", "Stores likely to run out (p >= 50%):", fmt=",d")
    r_day = readout("twin-stockout-day", "First store out, median day from now:", fmt=".2f")
    title = W.HTML()
    message = W.HTML()
    table = W.HTML()
    plot = W.Output()

    def update(_=None):
        node = None if node_w.value == NETWORK else node_w.value
        try:
            pr = what_if(events, policy, day_w.value, state=state_for(day_w.value), days=days_w.value,
                         scenario=scen_w.value, lever=lever_w.value, replications=reps_w.value, seed=seed)
        except ValueError as exc:          # never a traceback in the app
            show_error(message, exc, "Cannot run the twin")
            return
        show_error(message, None)
        sm = pr.summary()
        title.value = (f"<b>From the end of day {day_w.value}: {html.escape(scen_w.value)}, lever "
                       f"{html.escape(lever_w.value)}</b> ({pr.replications} futures, seed {seed})")
        set_readout(r_fill, sm["fill_rate"])
        set_readout(r_short, sm["units_short"])
        set_readout(r_out, sm["stores_out"])
        set_readout(r_day, sm["stockout_day"])
        table.value = _stores_html(pr.stores())
        with plot:
            plot.clear_output(wait=True)
            fan = pr.fan(node)
            d = day_w.value + fan.index.to_numpy()
            fig, ax = plt.subplots(figsize=(9, 2.8))
            ax.fill_between(d, fan["q5"], fan["q95"], alpha=0.25, label="90% of futures")
            ax.fill_between(d, fan["q25"], fan["q75"], alpha=0.4, label="50% of futures")
            ax.plot(d, fan["q50"], lw=1.5, label="median")
            ax.axhline(0, color="grey", lw=0.8)
            ax.set_xlabel("day")
            ax.set_ylabel("net inventory (units)")
            ax.set_title(f"{node or 'network'}: projected stock", fontsize=9)
            ax.legend(fontsize=7)
            fig.tight_layout()
            plt.show()

    run.on_click(update)
    return W.VBox([W.HTML("<h3>What if, from now? The digital twin</h3>"),
                   W.HBox([scen_w, lever_w]), W.HBox([days_w, reps_w, run]), message, title,
                   W.HBox([W.VBox([r_fill, r_short]), W.VBox([r_out, r_day])]), plot, table])


def control_tower(events=None, policy=None, day: int = 7, *, twin: bool = True) -> W.VBox:
    """Replay the stream to the end of ``day``; drill down by node and SKU; with ``twin``, the
    "what if, from now" panel below (:func:`what_if_panel`).

    ``events`` and ``policy`` default to the shipped stream (:func:`casekit.datasets.events.load_events`).
    """
    if events is None or policy is None:
        from casekit.datasets.events import load_events

        data = load_events()
        events = data.events if events is None else events
        policy = data.policy if policy is None else policy
    horizon = int(np.ceil(float(events["ts"].max()) / DAY))
    nodes = sorted(policy["node"].astype(str).unique())
    skus = sorted(policy["sku"].astype(str).unique())
    day_w = labelled(W.IntSlider(value=day, min=1, max=horizon, description="replay to day",
                                 continuous_update=False, style=_STYLE), "day")
    node_w = labelled(W.Dropdown(options=[NETWORK] + nodes, value=NETWORK, description="node",
                                 style=_STYLE), "node")
    sku_w = labelled(W.Dropdown(options=[ALL] + skus, value=ALL, description="SKU", style=_STYLE), "sku")
    r_events = readout("events", "Events processed:", fmt=",d")
    r_fill = readout("fill-rate", "Fill rate (units from stock):", fmt=".4f")
    r_ip = readout("inventory-position", "Inventory position (units):", fmt=",.0f")
    r_po = readout("orders", "Purchase orders triggered:", fmt=",d")
    r_alerts = readout("alerts", "Alerts:", fmt=",d")
    r_top = readout("top-impact", "Top alert, expected cost if unresolved:", fmt=",.0f")
    table = W.HTML()
    message = W.HTML()
    plot = W.Output()

    def update(_=None):
        node = None if node_w.value == NETWORK else node_w.value
        sku = None if sku_w.value == ALL else sku_w.value
        try:
            st = dashboard_state(events, policy, day_w.value * DAY, node=node, sku=sku)
        except ValueError as exc:          # never a traceback in the app
            show_error(message, exc, "Cannot show this selection")
            return
        show_error(message, None)
        set_readout(r_events, st.events)
        set_readout(r_fill, st.fill_rate)
        set_readout(r_ip, st.inventory_position)
        set_readout(r_po, st.purchase_orders)
        set_readout(r_alerts, len(st.alerts))
        set_readout(r_top, st.top_impact)
        table.value = _alerts_html(st.alerts)
        with plot:
            plot.clear_output(wait=True)
            k = st.kpis
            fig, ax = plt.subplots(1, 2, figsize=(9, 2.8))
            if len(k):
                by_day = k.groupby("window_start").agg(demand=("demand", "sum"), filled=("filled", "sum"),
                                                       ip=("inventory_position", "sum"))
                d = by_day.index / DAY
                ax[0].bar(d, by_day["demand"], width=0.8, label="demand")
                ax[0].bar(d, by_day["filled"], width=0.5, label="served from stock")
                ax[1].plot(d, by_day["ip"], marker="o")
            ax[0].set_xlabel("day")
            ax[0].set_ylabel("units")
            ax[0].legend(fontsize=7)
            ax[1].set_xlabel("day")
            ax[1].set_ylabel("inventory position at day end")
            fig.suptitle(f"{node or 'network'} / {sku or 'all SKUs'}, days 0-{day_w.value}", fontsize=9)
            fig.tight_layout()
            plt.show()

    for w in (day_w, node_w, sku_w):
        w.observe(update, names="value")
    update()
    parts = [W.HBox([day_w, node_w, sku_w]), message,
             W.HBox([W.VBox([r_events, r_fill, r_ip]), W.VBox([r_po, r_alerts, r_top])]),
             plot, W.HTML("<b>Alerts ranked by expected cost if unresolved</b>"), table]
    if twin:
        parts.append(what_if_panel(events, policy, day_w, node_w))
    return W.VBox(parts)
