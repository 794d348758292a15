"""The result every facility-location solver returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["FacilityLocationResult"]


@dataclass(frozen=True, eq=False)
class FacilityLocationResult:
    """A solution of a capacitated facility location instance and how it was found.

    Attributes
    ----------
    method : str
        ``"milp-highs"``, ``"milp-cbc"``, ``"ga"``, ``"benders"``, ``"hybrid"`` ...
    instance : str
        The instance's name.
    objective : float
        Total cost :math:`f^\\top y + \\sum_{ij} c_{ij} x_{ij}` of the solution returned
        (``inf`` when none was found).
    open : numpy.ndarray of bool (m,)
        :math:`y_i`: which facilities are open.
    assignment : numpy.ndarray (m, n)
        :math:`x_{ij}`: the fraction of customer j's demand served by facility i.
    proven_optimal : bool
        True only when the method proved optimality (for a MILP solver: PuLP ``sol_status == 1``;
        a time-limited HiGHS stop reports status "Optimal" but is not a proof).
    lower_bound : float
        The best proven lower bound on the optimum (``nan`` when the method has none, e.g. the GA).
    gap : float or None
        Relative optimality gap ``(objective - lower_bound) / objective``; None when unknown.
    runtime : float
        Wall-clock seconds.
    status : str
        The solver's own words.
    history : pandas.DataFrame
        Per iteration/generation progress (GA: ``best``, ``mean``; Benders: ``lower``, ``upper``).
    cuts : tuple
        Benders cuts (see :class:`casekit.optimization.benders.BendersCut`); empty otherwise.
    population : numpy.ndarray or None
        The GA's final population (rows = chromosomes, best first); None for other methods.
    """

    method: str
    instance: str
    objective: float
    open: np.ndarray
    assignment: np.ndarray | None
    proven_optimal: bool
    lower_bound: float
    gap: float | None
    runtime: float
    status: str = ""
    history: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    cuts: tuple = field(default=(), repr=False)
    population: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_open(self) -> int:
        return int(np.count_nonzero(self.open))

    def relative_error(self, optimum: float) -> float:
        """``(objective - optimum) / optimum``: 0 at the optimum, 0.02 when 2 % above it."""
        return float((self.objective - optimum) / optimum)

    def to_frame(self) -> pd.DataFrame:
        """One row: method, instance, objective, bound, gap, proven, open count, runtime."""
        return pd.DataFrame([{
            "method": self.method, "instance": self.instance, "objective": self.objective,
            "lower_bound": self.lower_bound, "gap": self.gap, "proven_optimal": self.proven_optimal,
            "n_open": self.n_open, "runtime_s": self.runtime, "status": self.status,
        }])

    def __repr__(self) -> str:
        gap = "n/a" if self.gap is None else f"{self.gap:.2e}"
        return (f"FacilityLocationResult(method={self.method!r}, instance={self.instance!r}, "
                f"objective={self.objective:.3f}, open={self.n_open}, proven_optimal={self.proven_optimal}, "
                f"gap={gap}, runtime={self.runtime:.2f}s)")
