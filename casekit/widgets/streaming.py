"""Chapter 12 widget and the control-tower app: the replayed stream, KPIs, alerts ranked by impact,
drill-down network -> node -> SKU.

Every number shown is :func:`casekit.streaming.dashboard_state` of the controls (the pure
function the browser test also calls).
"""

from __future__ import annotations

import html

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from casekit.streaming import dashboard_state
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


def control_tower(events=None, policy=None, day: int = 7) -> W.VBox:
    """Replay the stream to the end of ``day``; drill down by node and SKU.

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
    return W.VBox([W.HBox([day_w, node_w, sku_w]), message,
                   W.HBox([W.VBox([r_events, r_fill, r_ip]), W.VBox([r_po, r_alerts, r_top])]),
                   plot, W.HTML("<b>Alerts ranked by expected cost if unresolved</b>"), table])
