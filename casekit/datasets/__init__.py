"""Generated datasets that ship in this package folder (``casekit/datasets/``) and the code that
regenerates them.

Each generator is seeded and deterministic: ``write_*()`` rewrites the shipped files and a test
regenerates them and compares byte for byte.  Loaders read the shipped files (nothing is downloaded).

* :mod:`casekit.datasets.sales`: multi-SKU daily sales with promotions, substitutes and regional
  asymmetry (``datasets/sales``).
* :mod:`casekit.datasets.events`: the time-stamped event stream replayed by
  :mod:`casekit.streaming` (``datasets/events``).
* :mod:`casekit.datasets.electronics` and :mod:`casekit.datasets.fmcg`: the two case studies
  (``datasets/electronics``, ``datasets/fmcg``).
"""

from pathlib import Path

from casekit.resources import data_dir

#: ``casekit/datasets/``: the shipped data, one folder per dataset (package data, see
#: :mod:`casekit.resources`).
DATASETS_DIR = data_dir()

__all__ = ["DATASETS_DIR", "write_tables"]


def write_tables(tables, directory, float_format: str | None = None) -> list[Path]:
    """Write each ``{name: DataFrame}`` as ``directory/<name>.csv`` (Unix line ends, a fixed float
    format, so that regeneration is byte for byte); return the paths in order."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables.items():
        path = d / f"{name}.csv"
        df.to_csv(path, index=False, lineterminator="\n", float_format=float_format)
        paths.append(path)
    return paths
