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
