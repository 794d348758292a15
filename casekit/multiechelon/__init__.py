"""Multi-echelon inventory models over a :class:`casekit.network.Network`.

* :mod:`~casekit.multiechelon.serial` — serial systems: the exact Clark–Scarf / Chen–Zheng optimum
  (:func:`optimize_serial`), exact evaluation of any echelon base-stock vector
  (:func:`evaluate_serial`), the Shang–Song heuristic (:func:`shang_song`) and every stage planning
  alone (:func:`independent_serial`); :mod:`~casekit.multiechelon.montecarlo` simulates a serial
  system unit by unit as an independent check.
* :mod:`~casekit.multiechelon.gsm` — strategic safety-stock placement, the guaranteed-service
  model on trees (:func:`optimize_gsm`, :func:`evaluate_gsm`, :func:`compare_placement`).
* :mod:`~casekit.multiechelon.distribution` — one warehouse and n retailers by the METRIC
  approximation, risk pooling, the bullwhip effect.
* :mod:`~casekit.multiechelon.examples` — the chapter's example networks.
"""

from casekit.multiechelon.distribution import (DistributionResult, RiskPooling, bullwhip, bullwhip_bound,
                                               evaluate_distribution, optimize_distribution, risk_pooling)
from casekit.multiechelon.gsm import (GSMResult, PlacementComparison, by_tier, compare_placement, evaluate_gsm,
                                      optimize_gsm)
from casekit.multiechelon.montecarlo import MonteCarloCost, serial_demand_paths, simulate_serial
from casekit.multiechelon.serial import (SerialResult, evaluate_serial, independent_serial, optimize_serial,
                                         serial_parameters, shang_song)

__all__ = [
    "SerialResult", "optimize_serial", "evaluate_serial", "shang_song", "independent_serial", "serial_parameters",
    "MonteCarloCost", "simulate_serial", "serial_demand_paths",
    "GSMResult", "optimize_gsm", "evaluate_gsm", "PlacementComparison", "compare_placement", "by_tier",
    "DistributionResult", "evaluate_distribution", "optimize_distribution", "RiskPooling", "risk_pooling",
    "bullwhip", "bullwhip_bound",
]
