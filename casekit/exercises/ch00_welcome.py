"""Exercises of notebooks/00_welcome.ipynb."""

from casekit.exercises import Exercise, register
from casekit.intro import poisson_cover

register(Exercise(
    name="00.1",
    prompt="Demand is Poisson with mean 10 per period. What probability of meeting all demand do "
           "12 units give? (4 decimals are enough)",
    expected=lambda: poisson_cover(10, 12).service_level,
    hint="Use casekit.intro.poisson_cover(mean, stock) and read .service_level.",
    rtol=0, atol=5e-5,
))

register(Exercise(
    name="00.2",
    prompt="Demand is Poisson with mean 10. What is the smallest stock that meets all demand "
           "with probability at least 0.95?",
    expected=lambda: next(s for s in range(200) if poisson_cover(10, s).service_level >= 0.95),
    hint="Try increasing stock levels until the service level first reaches 0.95.",
    rtol=0, atol=0,
))
