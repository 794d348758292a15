"""Exercises of notebooks/19_case_fmcg.ipynb (default parameters: seed 1, 3 replications of 90 days,
100 outlets)."""

import numpy as np

from casekit import metrics
from casekit.exercises import Exercise, register
from casekit.exercises._cases import direction

# 19.2: three replications of total cost per day, as the question gives them.
_TRADITIONAL_COST = (5200.0, 4900.0, 5600.0)
_HYBRID_COST = (4680.0, 4560.0, 4930.0)


def recovery_example():
    """The rolling fill rates of 19.3: a 40-day run, a shutdown on days 10-19, the twin without it.
    Returns ``(disrupted, twin, disruption_end)``."""
    twin = np.full(40, 0.97)
    twin[30:32] = 0.93                 # a dip the twin shares: same random numbers, not the shutdown
    disrupted = twin.copy()
    disrupted[16:25] = 0.90
    disrupted[25:28] = 0.96
    return disrupted, twin, 20


register(Exercise(
    name="19.1",
    prompt="Switched on alone over the traditional baseline, does the reallocation "
           "lever (weekly lateral transfers between the regional warehouses) raise or lower the FMCG "
           "case's transport CO2, in the notebook's default run (seed 1, 3 replications of 90 days, 100 "
           "outlets)? Answer \"raise\", \"lower\" or \"no clear change\" (the 95% interval of the paired "
           "change contains 0).",
    expected=lambda: direction("fmcg", "reallocation", "co2_kg"),
    hint="Transport CO2 is the tonne-kilometres moved times a factor per mode. A lateral transfer fixes a shortage "
         "without a new order from the plant: what does it add to the kilometres the goods travel?",
    kind="predict",
))

register(Exercise(
    name="19.2",
    prompt="On common random numbers, three replications gave a total cost per day of 5200, 4900 and 5600 "
           "for the traditional policy and 4680, 4560 and 4930 for the hybrid (same replication, same "
           "order). By hand, what is the paired % change of total cost, 100 (hybrid - traditional) / "
           "traditional per replication, and its 95% interval? Give [mean, low, high] in %, 1 decimal.",
    expected=lambda: (lambda r: [r.mean, r.low, r.high])(metrics.paired_change(_TRADITIONAL_COST, _HYBRID_COST)),
    hint="Pair the replications first: one % change per replication, then the mean of those three changes "
         "and a Student t interval on them (two degrees of freedom). The spread that both policies share "
         "cancels in each change, which is why pairing gives a narrow interval.",
    rtol=0, atol=0.06, kind="derive",
))

register(Exercise(
    name="19.3",
    prompt="A colleague's model of this case counted recovery from the start of a supplier "
           "shutdown and stopped at any dip of the 7-day rolling fill rate, so even a run with no "
           "disruption reported about 25 days. Take a 40-day run whose shutdown covers days 10 to 19 "
           "(days counted from 0, so day 20 is the first day after it). The twin run without the shutdown, "
           "on the same random numbers, has a rolling fill rate of 0.97 every day except 0.93 on days 30 "
           "and 31. The disrupted run has the twin's values except 0.90 on days 16 to 24 and 0.96 on days "
           "25 to 27. With a band of 0.02, how many days does recovery take, counted as the paper's "
           "definition asks: from the end of the disruption until service stays within the band of the "
           "twin?",
    expected=lambda: (lambda s, t, e: float(metrics.recovery_time_vs_twin(s, t, disruption_end=e, band=0.02).periods))(
        *recovery_example()),
    hint="Count from the first day after the shutdown, not from its start. A day is still disrupted only "
         "when the two runs differ by more than the band; a dip that both runs share comes from the "
         "random numbers, not from the shutdown.",
    rtol=0, atol=0.5, kind="diagnose",
))
