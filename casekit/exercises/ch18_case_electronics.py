"""Exercises of notebooks/18_case_electronics.ipynb."""

from casekit.exercises import Exercise, register


def _run():
    from casekit.cases import electronics
    return electronics.run(horizon_days=90, replications=5, seed=11, scenario="none").results()


register(Exercise(
    name="18.1",
    prompt="Run the electronics case with horizon_days=90, replications=5, seed=11, scenario 'none'. "
           "What is the hybrid policy's mean fill rate? (3 decimals)",
    expected=lambda: _run()["hybrid"]["fill_rate"]["mean"],
    hint="casekit.cases.electronics.run(...) returns a comparison; .results() is the dictionary the notebook records.",
    rtol=0, atol=5e-4,
))

register(Exercise(
    name="18.2",
    prompt="In the same run, by what percentage does the hybrid policy change CO2 per day (the mean of "
           "change_pct)? (1 decimal)",
    expected=lambda: _run()["change_pct"]["co2_kg"]["mean"],
    hint="Look under results()['change_pct'] for the metric named co2_kg.",
    rtol=0, atol=0.05,
))
