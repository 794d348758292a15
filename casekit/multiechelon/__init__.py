"""Multi-echelon inventory models over a :class:`casekit.network.Network`.

* :mod:`~casekit.multiechelon.serial` — serial systems: the exact Clark–Scarf / Chen–Zheng optimum
  (:func:`optimize_serial`), exact evaluation of any echelon base-stock vector
  (:func:`evaluate_serial`), the Shang–Song heuristic (:func:`shang_song`) and every stage planning
  alone (:func:`independent_serial`).
"""

from casekit.multiechelon.serial import (SerialResult, evaluate_serial, independent_serial,
                                         optimize_serial, serial_parameters, shang_song)

__all__ = ["SerialResult", "optimize_serial", "evaluate_serial", "shang_song", "independent_serial",
           "serial_parameters"]
from casekit.multiechelon.montecarlo import MonteCarloCost, serial_demand_paths, simulate_serial  # noqa: E402

__all__ += ["MonteCarloCost", "simulate_serial", "serial_demand_paths"]
from casekit.multiechelon.gsm import GSMResult, evaluate_gsm, optimize_gsm  # noqa: E402

__all__ += ["GSMResult", "optimize_gsm", "evaluate_gsm"]
from casekit.multiechelon.distribution import (DistributionResult, RiskPooling, bullwhip,  # noqa: E402
                                               bullwhip_bound, evaluate_distribution,
                                               optimize_distribution, risk_pooling)

__all__ += ["DistributionResult", "evaluate_distribution", "optimize_distribution", "RiskPooling",
            "risk_pooling", "bullwhip", "bullwhip_bound"]
