"""The FMCG case dataset: regional warehouses supplying 2,000 retail outlets (the paper's sections 7.2-7.3).

Four regional warehouses (North, South, East, West; different sizes, weekly patterns and
promotion sensitivities) are replenished from one plant by truck or rail and serve 2,000 outlets
by truck.  Eight SKUs in four **cannibalisation groups** (a national brand and a store brand that
substitute for each other).  Each outlet stocks one focal SKU.  Mean demand of outlet j (SKU i,
region r) on day t:

``mu_j(t) = base_i * size_j * scale_r * dow_r(t) * season_i(t) * (1 + u_i s_r)^promo_ir(t)
            * (1 - c_k s_r)^promo_kr(t)``

with k the substitute of i, ``u_i`` the promotion uplift, ``c_k`` the share of i's demand a
promotion of k takes (cannibalisation), ``s_r`` the region's promotion sensitivity and
``season_i`` a yearly sine of amplitude ``season_amp_i``.  Daily units are negative binomial
(gamma-Poisson, dispersion :data:`DISPERSION`).  The promotion calendar covers three years: the
two years of history in ``sales.csv`` and the planning year the case simulates.

``datasets/fmcg/README.md`` is the data dictionary; :func:`write_fmcg` regenerates every file
byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casekit.datasets import DATASETS_DIR, write_tables
from casekit.validate import check_int

__all__ = ["SEED", "FMCG_DIR", "SKUS", "WAREHOUSES", "EMISSION_FACTORS", "generate_fmcg", "write_fmcg",
           "load_fmcg", "mean_demand"]

FMCG_DIR = DATASETS_DIR / "fmcg"
SEED = 20240815
START = "2023-01-02"      # a Monday
HISTORY_DAYS = 728        # two years of sales (104 weeks)
CALENDAR_DAYS = 1200      # history + a planning year + look-ahead
N_OUTLETS = 2000
DISPERSION = 8.0

SKUS = pd.DataFrame({
    "sku": ["COLA-B", "COLA-S", "CHIPS-B", "CHIPS-S", "DETERG-B", "DETERG-S", "COFFEE-B", "COFFEE-S"],
    "group": ["cola", "cola", "chips", "chips", "detergent", "detergent", "coffee", "coffee"],
    "substitute": ["COLA-S", "COLA-B", "CHIPS-S", "CHIPS-B", "DETERG-S", "DETERG-B", "COFFEE-S", "COFFEE-B"],
    "base_rate": [6.0, 4.0, 5.0, 3.0, 2.5, 2.0, 3.5, 2.5],
    "season_amp": [0.30, 0.25, 0.15, 0.10, 0.05, 0.05, 0.20, 0.15],
    "season_peak_doy": [196, 196, 200, 200, 80, 80, 15, 15],
    "uplift": [0.90, 0.60, 0.70, 0.50, 0.50, 0.40, 0.60, 0.40],
    "cannibalises": [0.30, 0.15, 0.25, 0.12, 0.20, 0.10, 0.25, 0.12],
    "weight_kg": [6.2, 6.2, 2.4, 2.4, 4.5, 4.5, 3.0, 3.0],      # one case (selling unit)
    "unit_value": [7.5, 5.0, 9.0, 6.0, 14.0, 9.0, 24.0, 15.0],
})

WAREHOUSES = pd.DataFrame({
    "warehouse": ["WH-N", "WH-S", "WH-E", "WH-W"],
    "region": ["North", "South", "East", "West"],
    "scale": [1.3, 1.0, 0.9, 0.6],
    "promo_sensitivity": [1.0, 1.4, 0.9, 0.6],
    "dow_profile": ["0.9 0.9 0.95 1.0 1.15 1.3 0.8", "0.8 0.8 0.85 0.9 1.2 1.6 0.85",
                    "0.95 0.95 1.0 1.0 1.1 1.2 0.8", "1.0 1.0 1.0 1.0 1.05 1.1 0.85"],
    "plant_km": [180.0, 420.0, 300.0, 650.0],
    "outlet_share": [0.32, 0.27, 0.24, 0.17],
})

#: kg CO2e per tonne-km, well-to-wheel, by mode.  Rounded values of the order published in the
#: UK Government GHG Conversion Factors for Company Reporting (DESNZ/DEFRA, freighting goods
#: tables) and the GLEC Framework default intensities; check the current edition before citing.
EMISSION_FACTORS = pd.DataFrame({
    "mode": ["truck", "van", "rail", "sea", "air"],
    "kg_co2e_per_tonne_km": [0.105, 0.600, 0.028, 0.016, 0.602],
    "description": ["articulated HGV, average laden (road freight)", "light commercial van, express",
                    "freight train, average", "container ship, average", "long-haul air freight"],
    "source": ["UK Government GHG Conversion Factors for Company Reporting (DESNZ/DEFRA), freighting goods; "
               "GLEC Framework default intensities"] * 5,
})


def _calendar(rng, n_days, mean_gap=49, length=7):
    flag = np.zeros(n_days, dtype=np.int8)
    t = int(rng.integers(3, 35))
    while t < n_days:
        flag[t:t + length] = 1
        t += length + int(rng.integers(mean_gap // 2, mean_gap * 3 // 2))
    return flag


def _tables(seed: int):
    rng = np.random.default_rng(seed)
    # promotion calendar per region and SKU, three years
    promo = {}
    rows = []
    start = pd.Timestamp(START)
    for r in WAREHOUSES["region"]:
        for s in SKUS["sku"]:
            f = _calendar(rng, CALENDAR_DAYS)
            promo[(r, s)] = f
            d = np.flatnonzero(np.diff(np.r_[0, f, 0]))
            for a, b in zip(d[::2], d[1::2]):
                rows.append({"region": r, "sku": s, "start": (start + pd.Timedelta(days=int(a))).strftime("%Y-%m-%d"),
                             "end": (start + pd.Timedelta(days=int(b - 1))).strftime("%Y-%m-%d")})
    promotions = pd.DataFrame(rows).sort_values(["start", "region", "sku"], kind="stable").reset_index(drop=True)
    # outlets
    n_per = np.floor(WAREHOUSES["outlet_share"].to_numpy() * N_OUTLETS).astype(int)
    n_per[0] += N_OUTLETS - n_per.sum()
    wh = np.repeat(np.arange(len(WAREHOUSES)), n_per)
    km = np.round(rng.lognormal(np.log(60.0), 0.6, N_OUTLETS).clip(5, 400), 1)
    outlets = pd.DataFrame({
        "outlet": [f"O{j:04d}" for j in range(N_OUTLETS)],
        "warehouse": WAREHOUSES["warehouse"].to_numpy()[wh],
        "region": WAREHOUSES["region"].to_numpy()[wh],
        "sku": SKUS["sku"].to_numpy()[rng.integers(0, len(SKUS), N_OUTLETS)],
        "size": np.round(rng.lognormal(0.0, 0.5, N_OUTLETS), 3),
        "distance_km": km,
        "lead_time_days": np.where(km < 60, 1, np.where(km < 150, 2, 3)),
    })
    lanes = pd.concat([
        pd.DataFrame({"origin": "PLANT", "destination": WAREHOUSES["warehouse"], "mode": m,
                      "distance_km": WAREHOUSES["plant_km"] * (1.1 if m == "rail" else 1.0),
                      "lead_time_days": np.ceil(WAREHOUSES["plant_km"] / 250).astype(int) + (2 if m == "rail" else 0) + 1})
        for m in ("truck", "rail")] + [
        pd.DataFrame({"origin": WAREHOUSES["warehouse"], "destination": "outlets", "mode": "truck",
                      "distance_km": np.nan, "lead_time_days": np.nan})], ignore_index=True)
    lanes["distance_km"] = lanes["distance_km"].round(1)
    return promo, promotions, outlets, lanes


def mean_demand(outlets: pd.DataFrame, promo: dict, days: range | np.ndarray) -> np.ndarray:
    """mu_j(t) of the module docstring for ``days`` (indices from :data:`START`): shape (days, outlets)."""
    days = np.asarray(days)
    dates = pd.Timestamp(START) + pd.to_timedelta(days, unit="D")
    doy = dates.day_of_year.to_numpy()
    dow = dates.day_of_week.to_numpy()
    sk = SKUS.set_index("sku")
    wh = WAREHOUSES.set_index("region")
    out = np.zeros((days.size, len(outlets)))
    for (r, s), idx in outlets.groupby(["region", "sku"]).indices.items():
        sub = sk.loc[s, "substitute"]
        prof = np.array([float(v) for v in wh.loc[r, "dow_profile"].split()])
        season = 1 + sk.loc[s, "season_amp"] * np.cos(2 * np.pi * (doy - sk.loc[s, "season_peak_doy"]) / 365.25)
        sens = wh.loc[r, "promo_sensitivity"]
        shape = (sk.loc[s, "base_rate"] * wh.loc[r, "scale"] * prof[dow] * season
                 * (1 + sk.loc[s, "uplift"] * sens) ** promo[(r, s)][days]
                 * (1 - sk.loc[sub, "cannibalises"] * sens) ** promo[(r, sub)][days])
        out[:, idx] = shape[:, None] * outlets["size"].to_numpy()[idx][None, :]
    return out


def generate_fmcg(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Every table of the dataset, generated from ``seed`` (see the data dictionary)."""
    check_int("seed", seed, minimum=0)
    promo, promotions, outlets, lanes = _tables(seed)
    rng = np.random.default_rng([seed, 7])
    mu = mean_demand(outlets, promo, np.arange(HISTORY_DAYS))
    dates = (pd.Timestamp(START) + pd.to_timedelta(np.arange(HISTORY_DAYS), unit="D")).strftime("%Y-%m-%d")
    frames = []
    for (r, s), idx in outlets.groupby(["region", "sku"]).indices.items():
        m = mu[:, idx].sum(axis=1)
        k = DISPERSION * len(idx)        # a sum of independent outlets is less over-dispersed
        units = rng.poisson(rng.gamma(k, m / k))
        frames.append(pd.DataFrame({"date": dates, "region": r, "sku": s, "outlets": len(idx),
                                    "promo": promo[(r, s)][:HISTORY_DAYS],
                                    "substitute_promo": promo[(r, SKUS.set_index("sku").loc[s, "substitute"])][:HISTORY_DAYS],
                                    "units": units}))
    sales = pd.concat(frames, ignore_index=True).sort_values(["date", "region", "sku"], kind="stable")
    return {"sales": sales.reset_index(drop=True), "outlets": outlets, "skus": SKUS, "warehouses": WAREHOUSES,
            "promotions": promotions, "lanes": lanes, "emission_factors": EMISSION_FACTORS}


def write_fmcg(directory: Path | str = FMCG_DIR, seed: int = SEED) -> list[Path]:
    """Write every table as ``<name>.csv`` into ``directory``; return the paths."""
    return write_tables(generate_fmcg(seed), directory, float_format="%.6g")


def load_fmcg(directory: Path | str = FMCG_DIR) -> dict[str, pd.DataFrame]:
    """The shipped tables (``sales``, ``outlets``, ``skus``, ``warehouses``, ``promotions``,
    ``lanes``, ``emission_factors``) and ``promo``: the 0/1 calendar per (region, sku) as arrays
    over :data:`CALENDAR_DAYS` days."""
    d = Path(directory)
    out = {}
    for name in ("sales", "outlets", "skus", "warehouses", "promotions", "lanes", "emission_factors"):
        path = d / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: regenerate it with casekit.datasets.fmcg.write_fmcg()")
        out[name] = pd.read_csv(path)
    start = pd.Timestamp(START)
    promo = {(r, s): np.zeros(CALENDAR_DAYS, dtype=np.int8) for r in WAREHOUSES["region"] for s in SKUS["sku"]}
    for row in out["promotions"].itertuples():
        a = (pd.Timestamp(row.start) - start).days
        b = (pd.Timestamp(row.end) - start).days
        promo[(row.region, row.sku)][a:b + 1] = 1
    out["promo"] = promo
    return out
