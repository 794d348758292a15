"""Real-time pipeline throughput on 10^6 replayed events, and the forecast backtest table.

1. A 10^6-event stream (the generator of ``casekit/datasets/events`` on a larger network) is replayed
   through the whole pipeline: ingest and validation -> inventory position and windowed KPIs ->
   (R, nQ) triggers -> anomaly charts and ranked alerts -> SQLite store.  Printed as
   ``N events/s`` and as a ratio to the issue's target of 100,000 events/s on 2 cores.  The
   purchase orders are checked against the ones the event-by-event simulation placed.
2. Rolling-origin backtests on the series that ship with pmdarima (wineind, woolyrnq, ausbeer):
   every single model and the blend, one table per series, plus the blend's rank.

Usage: ``python benchmarks/bench_streaming.py [--events 1000000] [--skip-backtest] [--origins 12]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

from casekit.datasets.events import generate_events
from casekit.forecasting import backtest, load_series
from casekit.streaming import Pipeline

TARGET = 100_000


def stream(n_events: int):
    # 20 x 20 (node, SKU) pairs over 14 days give about 345,000 events per unit of sale_rate
    rate = n_events / 345_000
    return generate_events(n_days=14, n_nodes=20, n_skus=20, sale_rate=rate)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--origins", type=int, default=12)
    ap.add_argument("--skip-backtest", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    data = stream(args.events)
    gen = time.perf_counter() - t0
    events = data.events
    print(f"stream: {len(events):,} events generated in {gen:.1f} s (not timed below)")
    runs = []
    for _ in range(2):                      # best of two: the machine is shared
        t0 = time.perf_counter()
        pipe = Pipeline(data.policy).run(events, speed=6 * 3600.0)
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    rate = len(events) / best
    po = pipe.purchase_orders()
    same = (len(po) == len(data.orders)
            and (po[["ts", "qty"]].to_numpy() == data.orders.sort_values(["ts", "node", "sku"], kind="stable")
                 [["ts", "qty"]].to_numpy()).all())
    s = pipe.summary()
    print(f"{rate:,.0f} events/s")
    print(f"pipeline throughput / target {TARGET:,} events/s: {rate / TARGET:.2f}x "
          f"({len(events):,} events in {best:.2f} s, best of {len(runs)}; "
          f"{s['purchase_orders']:,} purchase orders {'identical to' if same else 'DIFFERENT FROM'} the "
          f"simulation's, {s['alerts']} alerts, {s['rejected']} rejected)")

    if args.skip_backtest:
        return 0 if same else 1
    warnings.simplefilter("ignore")
    models = ["naive", "seasonal_naive", "moving_average", "ets", "arima", "gbm", "blend"]
    horizons = {"wineind": 6, "woolyrnq": 4, "ausbeer": 4}
    pd.set_option("display.width", 120)
    for name, h in horizons.items():
        y = load_series(name)
        t0 = time.perf_counter()
        tab = backtest(y, models, horizon=h, origins=args.origins)
        took = time.perf_counter() - t0
        print(f"\nbacktest {name}: {len(y)} values, horizon {h}, {args.origins} origins, "
              f"80% intervals ({took:.0f} s)")
        print(tab.round({"mae": 1, "rmse": 1, "mase": 3, "bias": 1, "coverage": 3}).to_string())
        best_single = tab.drop(index="blend")["rmse"].idxmin()
        ratio = tab.loc["blend", "rmse"] / tab.loc[best_single, "rmse"]
        rank = int(tab["rmse"].rank().loc["blend"])
        print(f"blend rmse / best single model ({best_single}) rmse on {name}: {ratio:.3f} "
              f"(blend ranks {rank} of {len(tab)})")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
