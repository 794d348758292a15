"""Exercises of notebooks/19_case_fmcg.ipynb."""

from casekit.exercises import Exercise, register


def _run():
    from casekit.cases import fmcg
    return fmcg.run(outlets=100, horizon_days=90, replications=5, seed=5, scenario="none").results()


register(Exercise(
    name="19.1",
    prompt="Run the FMCG case with outlets=100, horizon_days=90, replications=5, seed=5, scenario 'none'. "
           "What is the traditional policy's mean total cost per day? (nearest unit)",
    expected=lambda: _run()["traditional"]["total_cost"]["mean"],
    hint="casekit.cases.fmcg.run(...).results() holds every metric's mean and interval.",
    rtol=0, atol=0.5,
))

register(Exercise(
    name="19.2",
    prompt="In the same run, what is the upper end of the 95% interval of the hybrid policy's bullwhip ratio? "
           "(2 decimals)",
    expected=lambda: _run()["hybrid"]["bullwhip_ratio"]["ci_high"],
    hint="Each metric is a dict with mean, ci_low and ci_high.",
    rtol=0, atol=5e-3,
))
