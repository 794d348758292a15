"""The electronics case dataset: a Tier-1 assembler and its Tier-2 suppliers (the paper's section 7.1).

Twenty high-volume finished SKUs in four product families, each with a **product life cycle**
(a launch ramp, a plateau and a decline: a smooth bell over about three years, each SKU at its
own phase).  Each SKU's bill of materials has a board, a display or housing and a power unit; its
**critical component** (the one that limits supply) comes from one of three Tier-2 suppliers:
two domestic (truck, short lead times) and one international (sea freight, long lognormal lead
times, disruption-prone).  Daily demand of SKU i on day t is negative binomial (gamma-Poisson,
dispersion :data:`DISPERSION`) with mean

``mu_i(t) = peak_rate_i * lifecycle_i(t) * (1 + 0.10 cos(2 pi (doy - 330) / 365.25))``

(a year-end peak) with ``lifecycle_i(t) = exp(-((t - peak_day_i) / width_i)^2 / 2)`` floored at
0.15 (spares and long-tail sales).  Lead-time observations are lognormal with each supplier's
median and log-sd; the disruption log draws events as a Poisson process at each supplier's rate.

``datasets/electronics/README.md`` is the data dictionary; :func:`write_electronics`
regenerates every file byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from casekit.datasets import DATASETS_DIR, write_tables
from casekit.datasets.fmcg import EMISSION_FACTORS
from casekit.validate import check_int

__all__ = ["SEED", "ELECTRONICS_DIR", "SUPPLIERS", "generate_electronics", "write_electronics",
           "load_electronics", "mean_demand"]

ELECTRONICS_DIR = DATASETS_DIR / "electronics"
SEED = 20240707
START = "2023-01-02"
HISTORY_DAYS = 730
CALENDAR_DAYS = 1200
N_SKUS = 20
DISPERSION = 6.0
FAMILIES = ["phone", "tablet", "laptop", "wearable"]

SUPPLIERS = pd.DataFrame({
    "supplier": ["T2-DOM-A", "T2-DOM-B", "T2-INTL"],
    "country": ["domestic", "domestic", "overseas"],
    "international": [0, 0, 1],
    "mode": ["truck", "truck", "sea"],
    "distance_km": [350.0, 600.0, 18500.0],
    "transit_days": [2, 3, 14],
    "lt_median_days": [7.0, 10.0, 28.0],     # production + dispatch lead time (lognormal median)
    "lt_sigma": [0.15, 0.20, 0.45],          # log-sd of that lead time
    "disruptions_per_year": [0.3, 0.3, 1.5],
    "air_km": [np.nan, np.nan, 9500.0],      # great-circle distance for air freight
})


def _lifecycle(t, peak, width):
    return np.maximum(np.exp(-0.5 * ((t - peak) / width) ** 2), 0.15)


def mean_demand(skus: pd.DataFrame, days) -> np.ndarray:
    """mu_i(t) of the module docstring for ``days`` (indices from :data:`START`): shape (days, SKUs)."""
    t = np.asarray(days, dtype=float)
    doy = (pd.Timestamp(START) + pd.to_timedelta(t, unit="D")).day_of_year.to_numpy()
    season = 1 + 0.10 * np.cos(2 * np.pi * (doy - 330) / 365.25)
    lc = _lifecycle(t[:, None], skus["peak_day"].to_numpy()[None, :], skus["width_days"].to_numpy()[None, :])
    return skus["peak_rate"].to_numpy()[None, :] * lc * season[:, None]


def generate_electronics(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Every table of the dataset, generated from ``seed`` (see the data dictionary)."""
    check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    fam = np.repeat(FAMILIES, N_SKUS // len(FAMILIES))
    skus = pd.DataFrame({
        "sku": [f"{f[:3].upper()}-{i:02d}" for i, f in enumerate(fam)],
        "family": fam,
        "peak_rate": np.round(rng.uniform(20, 80, N_SKUS), 1),
        "peak_day": rng.integers(200, 900, N_SKUS),
        "width_days": rng.integers(150, 320, N_SKUS),
        "unit_cost": np.round(np.select([fam == "phone", fam == "tablet", fam == "laptop"], [210.0, 260.0, 480.0], 90.0)
                              * rng.uniform(0.8, 1.2, N_SKUS), 2),
        "weight_kg": np.select([fam == "phone", fam == "tablet", fam == "laptop"], [0.6, 1.0, 2.8], 0.3),
        "critical_supplier": np.array(SUPPLIERS["supplier"])[rng.choice(3, N_SKUS, p=[0.3, 0.25, 0.45])],
    })
    comps, bom = [], []
    for _, s in skus.iterrows():
        for part, share in (("board", 0.45), ("display", 0.30), ("power", 0.10)):
            sup = s["critical_supplier"] if part == "board" else ("T2-DOM-A" if part == "power" else "T2-DOM-B")
            cid = f"{part.upper()}-{s['sku']}"
            comps.append({"component": cid, "supplier": sup, "unit_cost": round(s["unit_cost"] * share, 2),
                          "critical": int(part == "board")})
            bom.append({"sku": s["sku"], "component": cid, "quantity": 1})
    components = pd.DataFrame(comps)
    bom = pd.DataFrame(bom)
    mu = mean_demand(skus, np.arange(HISTORY_DAYS))
    units = rng.poisson(rng.gamma(DISPERSION, mu / DISPERSION))
    dates = (pd.Timestamp(START) + pd.to_timedelta(np.arange(HISTORY_DAYS), unit="D")).strftime("%Y-%m-%d")
    demand = pd.DataFrame({"date": np.repeat(dates, N_SKUS), "sku": np.tile(skus["sku"], HISTORY_DAYS),
                           "units": units.ravel()})
    lt_rows, dis_rows = [], []
    for _, s in SUPPLIERS.iterrows():
        for week in range(0, HISTORY_DAYS, 7):
            lt = rng.lognormal(np.log(s["lt_median_days"]), s["lt_sigma"])
            lt_rows.append({"supplier": s["supplier"], "order_date": dates[week],
                            "lead_time_days": int(np.ceil(lt)) + int(s["transit_days"])})
        n = rng.poisson(s["disruptions_per_year"] * HISTORY_DAYS / 365.25)
        for start in np.sort(rng.integers(0, HISTORY_DAYS, n)):
            dis_rows.append({"supplier": s["supplier"], "start": dates[start],
                             "days": int(rng.integers(5, 40 if s["international"] else 15)),
                             "cause": str(rng.choice(["port congestion", "factory shutdown", "typhoon", "customs hold"]
                                                     if s["international"] else ["machine breakdown", "labour strike"]))})
    lead_times = pd.DataFrame(lt_rows)
    disruptions = pd.DataFrame(dis_rows).sort_values(["start", "supplier"], kind="stable").reset_index(drop=True)
    return {"skus": skus, "components": components, "bom": bom, "suppliers": SUPPLIERS, "demand": demand,
            "lead_times": lead_times, "disruptions": disruptions, "emission_factors": EMISSION_FACTORS}


def write_electronics(directory: Path | str = ELECTRONICS_DIR, seed: int = SEED) -> list[Path]:
    """Write every table as ``<name>.csv`` into ``directory``; return the paths."""
    return write_tables(generate_electronics(seed), directory, float_format="%.6g")


def load_electronics(directory: Path | str = ELECTRONICS_DIR) -> dict[str, pd.DataFrame]:
    """The shipped tables: ``skus``, ``components``, ``bom``, ``suppliers``, ``demand``,
    ``lead_times``, ``disruptions``, ``emission_factors``."""
    d = Path(directory)
    out = {}
    for name in ("skus", "components", "bom", "suppliers", "demand", "lead_times", "disruptions", "emission_factors"):
        path = d / f"{name}.csv"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: regenerate it with "
                                    "casekit.datasets.electronics.write_electronics()")
        out[name] = pd.read_csv(path)
    return out
