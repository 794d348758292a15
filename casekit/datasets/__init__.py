"""Generated datasets that ship in ``datasets/`` and the code that regenerates them.

Each generator is seeded and deterministic: ``write_*()`` rewrites the shipped files and a test
regenerates them and compares byte for byte.  Loaders read the shipped files (nothing is downloaded).

* :mod:`casekit.datasets.sales`: multi-SKU daily sales with promotions, substitutes and regional
  asymmetry (``datasets/sales``).
* :mod:`casekit.datasets.events`: the time-stamped event stream replayed by
  :mod:`casekit.streaming` (``datasets/events``).
"""

from pathlib import Path

#: ``datasets/`` at the repository root.
DATASETS_DIR = Path(__file__).resolve().parents[2] / "datasets"

__all__ = ["DATASETS_DIR"]
