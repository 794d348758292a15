"""The numpy LSTM beside ETS, ARIMA and gradient boosting; SAA gap, VSS and EVPI on the chapter example.

Part 1: rolling-origin backtests (8 origins, rolling re-fit) on pmdarima's three shipped series,
horizon 4 for the quarterly ones and 6 for wineind.  Each line gives a model's RMSE and MASE, its
RMSE as a ratio to ETS measured in the same run, and its wall time.

Part 2: casekit.stochastic on its chapter example: the SAA lower bound (M replications of N
scenarios, 95% t-interval), the upper bound (first replication's design on a fresh sample), the
gap, and RP / EEV / WS with VSS and EVPI on one sample.

usage: python benchmarks/bench_sp_lstm.py [--origins 8] [--seed 0] [--skip-forecasts] [--skip-saa]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from casekit.forecasting import backtest, load_series  # noqa: E402
from casekit.stochastic import chapter_example, saa_gap, value_of_information  # noqa: E402

MODELS = ("seasonal_naive", "ets", "arima", "gbm", "lstm")


def forecasts(origins: int) -> None:
    warnings.simplefilter("ignore")
    for name, h in (("woolyrnq", 4), ("ausbeer", 4), ("wineind", 6)):
        y = load_series(name)
        rows = {}
        for model in MODELS:
            t0 = time.perf_counter()
            tab = backtest(y, [model], horizon=h, origins=origins)
            rows[model] = (tab.loc[model, "rmse"], tab.loc[model, "mase"], time.perf_counter() - t0)
        ets = rows["ets"][0]
        for model, (rmse, mase, sec) in rows.items():
            print(f"{name:9s} h={h} {model:15s} rmse {rmse:10.1f}  mase {mase:5.3f}  rmse/ets {rmse / ets:5.2f}"
                  f"  {sec:5.1f} s")


def stochastic(seed: int) -> None:
    inst = chapter_example()
    res = saa_gap(inst, n_scenarios=30, replications=10, n_evaluation=5000, seed=seed)
    print(f"SAA N=30 M=10: lower {res.lower:.1f} [{res.lower_ci[0]:.1f}, {res.lower_ci[1]:.1f}]  "
          f"upper (N'=5000) {res.upper:.1f} [{res.upper_ci[0]:.1f}, {res.upper_ci[1]:.1f}]  "
          f"gap {res.gap:.1f} ({100 * res.gap / res.upper:.1f}% of upper), gap bound {res.gap_bound:.1f}  "
          f"design open={res.design.open.tolist()} modules={res.design.modules.tolist()}  {res.runtime:.1f} s")
    t0 = time.perf_counter()
    v = value_of_information(inst, 30, seed=seed + 1)
    print(f"N=30: RP {v.rp:.1f}  EEV {v.eev:.1f}  WS {v.ws:.1f}  VSS {v.vss:.1f} ({100 * v.vss / v.rp:.1f}% of RP)  "
          f"EVPI {v.evpi:.1f} ({100 * v.evpi / v.rp:.1f}% of RP)  EV design open={v.ev_design.open.tolist()} "
          f"modules={v.ev_design.modules.tolist()}  {time.perf_counter() - t0:.1f} s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-forecasts", action="store_true")
    ap.add_argument("--skip-saa", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_forecasts:
        forecasts(args.origins)
    if not args.skip_saa:
        stochastic(args.seed)


if __name__ == "__main__":
    main()
