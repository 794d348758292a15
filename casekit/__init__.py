"""casekit: multi-echelon inventory control under uncertainty, for teaching and case studies.

The package backs a notebook curriculum (``casekit notebooks`` lists it).  Sub-modules follow the
data flow of DESIGN.md: distributions -> leadtime -> safety_stock -> network -> multiechelon ->
optimization / forecasting -> policies -> simulation -> metrics -> cases; widgets and the CLI sit on
top and hold no model logic.
"""

from casekit._record import record, record_results, recorded
from casekit.params import check_parameters

__version__ = "0.1.0"
__all__ = ["record", "record_results", "recorded", "check_parameters", "__version__"]
