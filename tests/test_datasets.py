"""Generated datasets: each regenerates byte for byte from its seeded generator."""

import numpy as np
import pandas as pd

from casekit.datasets import DATASETS_DIR
from casekit.datasets.events import write_events
from casekit.datasets.sales import REGIONS, SKUS, load_sales, write_sales


def test_sales_regenerates_byte_for_byte(tmp_path):
    for path in write_sales(tmp_path):
        assert path.read_bytes() == (DATASETS_DIR / "sales" / path.name).read_bytes(), path.name


def test_events_regenerate_byte_for_byte(tmp_path):
    for path in write_events(tmp_path):
        assert path.read_bytes() == (DATASETS_DIR / "events" / path.name).read_bytes(), path.name


def test_sales_dictionary_facts():
    df = load_sales()
    assert len(df) == 728 * len(SKUS) * len(REGIONS)
    assert not df.duplicated(["date", "region", "sku"]).any()
    # every SKU's substitute flag is its partner's promotion flag, region by region
    flags = df.set_index(["date", "region", "sku"])["promo"]
    partner = df.set_index(["date", "region", "substitute"])["substitute_promo"]
    partner.index.names = ["date", "region", "sku"]
    assert (flags.sort_index() == partner.sort_index()).all()
    # promotions sell at 20% off
    base = SKUS.set_index("sku")["base_price"]
    promo = df[df["promo"] == 1]
    assert np.allclose(promo["price"], (base[promo["sku"]].to_numpy() * 0.8).round(2))
    # regional asymmetry: North sells most, West least
    by_region = df.groupby("region")["units"].mean()
    assert by_region["North"] > by_region["South"] > by_region["West"]


def test_fmcg_regenerates_byte_for_byte(tmp_path):
    from casekit.datasets.fmcg import write_fmcg

    for path in write_fmcg(tmp_path):
        assert path.read_bytes() == (DATASETS_DIR / "fmcg" / path.name).read_bytes(), path.name


def test_electronics_regenerates_byte_for_byte(tmp_path):
    from casekit.datasets.electronics import write_electronics

    for path in write_electronics(tmp_path):
        assert path.read_bytes() == (DATASETS_DIR / "electronics" / path.name).read_bytes(), path.name


def test_case_datasets_dictionary_facts():
    from casekit.datasets.electronics import load_electronics
    from casekit.datasets.fmcg import load_fmcg

    f = load_fmcg()
    assert len(f["outlets"]) == 2000 and f["outlets"]["outlet"].is_unique
    assert len(f["sales"]) == 728 * 4 * 8
    # every region-SKU row counts the outlets that stock it, and they add up to 2,000 per day
    assert f["sales"].groupby("date")["outlets"].sum().eq(2000).all()
    for frame in (f["emission_factors"], load_electronics()["emission_factors"]):
        assert frame["source"].str.contains("GHG Conversion Factors").all()
        assert frame.set_index("mode").loc["air", "kg_co2e_per_tonne_km"] > frame.set_index("mode").loc["rail",
                                                                                                   "kg_co2e_per_tonne_km"]
    e = load_electronics()
    assert len(e["skus"]) == 20 and len(e["demand"]) == 730 * 20
    assert set(e["bom"]["sku"]) == set(e["skus"]["sku"])
    intl = e["lead_times"].merge(e["suppliers"], on="supplier")
    assert intl.groupby("international")["lead_time_days"].mean()[1] > 2 * intl.groupby("international")[
        "lead_time_days"].mean()[0]
