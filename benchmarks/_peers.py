"""Throwaway virtual environments for benchmark peers whose pins conflict with casekit's.

stockpyl 1.0.2 needs numpy<2, so it lives in build/stockpyl-venv (never committed), built once by
the first benchmark that needs it and reused by the others.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STOCKPYL_VENV = ROOT / "build" / "stockpyl-venv"


def ensure_stockpyl(venv: Path = STOCKPYL_VENV) -> Path:
    """Return the python of a venv holding stockpyl==1.0.2 and numpy<2, creating it if needed."""
    py = venv / "bin" / "python"
    check = "import importlib.metadata as m; assert m.version('stockpyl') == '1.0.2'"
    ok = py.exists() and subprocess.run([str(py), "-c", check], capture_output=True).returncode == 0
    if not ok:
        print(f"building {venv} with stockpyl==1.0.2 and numpy<2 (once) ...", flush=True)
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "stockpyl==1.0.2", "numpy<2"], check=True)
    return py
