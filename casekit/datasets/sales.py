"""A generated multi-SKU daily sales dataset with promotions, substitutes and regional asymmetry.

Eight SKUs in four categories; in each category a national brand and a store brand are
**substitutes**.  Three regions differ in size, weekly pattern and price sensitivity.  Daily demand
of SKU i in region r on day t is negative binomial (gamma-Poisson, dispersion ``k``) with mean

``mu = base_i * scale_r * dow_r(t) * season_c(t) * growth(t) * (1 + u_i s_r)^promo_i(t)
       * (1 - c_j s_r)^promo_j(t)``

where j is i's substitute, ``u_i`` the promotion uplift of i, ``c_j`` the share of its
substitute's demand that a promotion of j takes away (cannibalisation), ``s_r`` the region's
promotion sensitivity, ``season_c`` a yearly sine wave whose phase depends on the category and
``growth`` 5% a year.  Promotions are 7-day spells, each SKU and region on its own calendar.

The true effects are in :func:`truth`; ``datasets/sales/README.md`` is the data dictionary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casekit.datasets import DATASETS_DIR
from casekit.validate import check_int

__all__ = ["SKUS", "REGIONS", "generate_sales", "truth", "load_sales", "write_sales", "SALES_DIR"]

SALES_DIR = DATASETS_DIR / "sales"
SEED = 20240601
START = "2023-01-02"   # a Monday
N_DAYS = 728           # 104 weeks
DISPERSION = 15.0      # negative binomial k: variance = mu + mu^2 / k

#: SKU master data (generator parameters).  ``cannibalises``: the share of the substitute's demand
#: a promotion of this SKU takes away in a region of sensitivity 1.
SKUS = pd.DataFrame({
    "sku": ["COLA-B", "COLA-S", "CHIPS-B", "CHIPS-S", "PASTA-B", "PASTA-S", "SOAP-B", "SOAP-S"],
    "category": ["cola", "cola", "chips", "chips", "pasta", "pasta", "soap", "soap"],
    "brand": ["national", "store"] * 4,
    "substitute": ["COLA-S", "COLA-B", "CHIPS-S", "CHIPS-B", "PASTA-S", "PASTA-B", "SOAP-S", "SOAP-B"],
    "base_rate": [40.0, 25.0, 30.0, 18.0, 22.0, 15.0, 12.0, 9.0],
    "base_price": [1.89, 1.19, 2.49, 1.59, 1.79, 0.99, 3.49, 2.29],
    "uplift": [0.80, 0.50, 0.60, 0.45, 0.50, 0.40, 0.70, 0.45],
    "cannibalises": [0.30, 0.15, 0.25, 0.12, 0.20, 0.10, 0.25, 0.12],
})

#: Regions: relative size, day-of-week profile (Mon..Sun) and promotion sensitivity.
REGIONS = pd.DataFrame({
    "region": ["North", "South", "West"],
    "scale": [1.5, 1.0, 0.5],
    "promo_sensitivity": [1.0, 1.4, 0.6],
    "dow_profile": ["0.9 0.9 0.95 1.0 1.15 1.3 0.8", "0.8 0.8 0.85 0.9 1.2 1.6 0.85",
                    "1.0 1.0 1.0 1.0 1.05 1.1 0.85"],
})

_PHASE = {"cola": 0.0, "chips": 0.5, "pasta": np.pi, "soap": 1.5}  # radians; cola peaks in summer
_PROMO_DISCOUNT = 0.20


def _promo_calendar(rng, n_days, mean_gap=42, length=7):
    flag = np.zeros(n_days, dtype=np.int8)
    t = int(rng.integers(3, 30))
    while t < n_days:
        flag[t:t + length] = 1
        t += length + int(rng.integers(mean_gap // 2, mean_gap * 3 // 2))
    return flag


def generate_sales(seed: int = SEED, n_days: int = N_DAYS) -> pd.DataFrame:
    """The dataset as a DataFrame (one row per date, region and SKU), generated from ``seed``.

    Columns: ``date`` (YYYY-MM-DD), ``region``, ``sku``, ``promo`` (1 if the SKU is on promotion in
    that region that day), ``substitute_promo`` (1 if its substitute is), ``price`` (shelf price,
    20% off on promotion), ``units`` (units sold = demand; no stock-outs in this dataset).
    """
    check_int("seed", seed, minimum=0)
    n_days = check_int("n_days", n_days, minimum=28)
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=n_days, freq="D")
    t = np.arange(n_days)
    dow = dates.day_of_week.to_numpy()
    growth = 1.05 ** (t / 365.25)
    doy = dates.day_of_year.to_numpy()
    sku_index = {s: i for i, s in enumerate(SKUS["sku"])}
    frames = []
    for _, reg in REGIONS.iterrows():
        profile = np.array([float(v) for v in reg["dow_profile"].split()])
        promo = {s: _promo_calendar(rng, n_days) for s in SKUS["sku"]}
        for _, sku in SKUS.iterrows():
            sub = SKUS.iloc[sku_index[sku["substitute"]]]
            season = 1 + 0.15 * np.sin(2 * np.pi * (doy - 80) / 365.25 - _PHASE[sku["category"]])
            p_own, p_sub = promo[sku["sku"]], promo[sub["sku"]]
            s = reg["promo_sensitivity"]
            mu = (sku["base_rate"] * reg["scale"] * profile[dow] * season * growth
                  * (1 + sku["uplift"] * s) ** p_own * (1 - sub["cannibalises"] * s) ** p_sub)
            lam = rng.gamma(DISPERSION, mu / DISPERSION)
            units = rng.poisson(lam)
            price = np.round(sku["base_price"] * (1 - _PROMO_DISCOUNT * p_own), 2)
            frames.append(pd.DataFrame({
                "date": dates.strftime("%Y-%m-%d"), "region": reg["region"], "sku": sku["sku"],
                "promo": p_own, "substitute_promo": p_sub, "price": price, "units": units}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["date", "region", "sku"], kind="stable").reset_index(drop=True)


def truth() -> pd.DataFrame:
    """The generator's true effects per SKU and region: ``uplift = u_i s_r`` and
    ``cannibalisation = c_j s_r`` (j the substitute), as relative changes of mean demand."""
    rows = []
    subs = SKUS.set_index("sku")
    for _, reg in REGIONS.iterrows():
        for _, sku in SKUS.iterrows():
            s = reg["promo_sensitivity"]
            rows.append({"region": reg["region"], "sku": sku["sku"], "uplift": sku["uplift"] * s,
                         "cannibalisation": subs.loc[sku["substitute"], "cannibalises"] * s})
    return pd.DataFrame(rows)


def write_sales(directory: Path | str = SALES_DIR, seed: int = SEED) -> list[Path]:
    """Write ``sales.csv``, ``skus.csv`` and ``regions.csv`` into ``directory``; return the paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = [d / "sales.csv", d / "skus.csv", d / "regions.csv"]
    generate_sales(seed).to_csv(paths[0], index=False, lineterminator="\n")
    SKUS.to_csv(paths[1], index=False, lineterminator="\n")
    REGIONS.to_csv(paths[2], index=False, lineterminator="\n")
    return paths


def load_sales(directory: Path | str = SALES_DIR) -> pd.DataFrame:
    """The shipped sales table with ``date`` parsed, plus ``category`` and ``substitute`` columns."""
    d = Path(directory)
    path = d / "sales.csv"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: regenerate it with casekit.datasets.sales.write_sales()")
    df = pd.read_csv(path, parse_dates=["date"])
    skus = pd.read_csv(d / "skus.csv")[["sku", "category", "substitute"]]
    return df.merge(skus, on="sku", how="left", validate="many_to_one")
