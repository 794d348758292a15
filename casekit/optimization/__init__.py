"""Network optimisation: capacitated facility location by MILP, a genetic algorithm, Benders
decomposition and the GA+MILP hybrid, plus a multi-echelon network design and inventory
positioning model (square-root-law safety stock, transport modes with CO2).

The benchmark is the OR-Library capacitated warehouse location set (cap41 ... cap134, shipped in
``casekit/datasets/orlib``), whose published optima every exact method here must reach.
"""

from casekit.optimization.instance import (
    ORLIB_DIR, ORLIB_LARGE_CAPACITIES, ORLIB_NAMES, FacilityLocationInstance, InfeasibleInstanceError,
    generate_instance, load_orlib_cap, orlib_large_optima, orlib_optima, orlib_optimum,
)
from casekit.optimization.results import FacilityLocationResult
from casekit.optimization.milp import build_milp, solve_milp
from casekit.optimization.benders import BendersCut, solve_benders
from casekit.optimization.ga import repair, solve_ga
from casekit.optimization.hybrid import solve_hybrid
from casekit.optimization.comparison import (
    LARGE_COLUMNS, LARGE_METHODS, PAPER_CLAIMS, TABLE2_LARGE_PATH, compare_methods, default_methods,
    fit_runtime_growth, instance_size, load_table2_large, table2, table2_verdicts,
)
from casekit.optimization.robustness import (
    MAX_STOCHASTIC_VARIABLES, SCENARIO_KINDS, DisruptionScenarios, RobustnessResult, compare_robustness,
    default_penalty, disruption_scenarios, evaluate_robustness, solve_stochastic_design,
)
from casekit.optimization.network_design import (
    NetworkDesignInstance, NetworkDesignSolution, evaluate_design, example_network_design, pareto_front,
    solve_network_design,
)
from casekit.optimization.transport import TransportationLP, TransportSolution, transport_cost

__all__ = [
    "ORLIB_DIR", "ORLIB_NAMES", "ORLIB_LARGE_CAPACITIES", "FacilityLocationInstance", "InfeasibleInstanceError",
    "generate_instance", "load_orlib_cap", "orlib_optima", "orlib_large_optima", "orlib_optimum",
    "TransportationLP", "TransportSolution", "transport_cost",
    "FacilityLocationResult", "build_milp", "solve_milp", "BendersCut", "solve_benders",
    "repair", "solve_ga", "solve_hybrid", "PAPER_CLAIMS", "compare_methods", "default_methods", "table2",
    "LARGE_COLUMNS", "LARGE_METHODS", "TABLE2_LARGE_PATH", "instance_size", "load_table2_large",
    "fit_runtime_growth", "table2_verdicts",
    "SCENARIO_KINDS", "MAX_STOCHASTIC_VARIABLES", "DisruptionScenarios", "RobustnessResult", "default_penalty",
    "disruption_scenarios", "evaluate_robustness", "solve_stochastic_design", "compare_robustness",
    "NetworkDesignInstance", "NetworkDesignSolution", "evaluate_design", "example_network_design",
    "pareto_front", "solve_network_design",
]
