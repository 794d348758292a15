"""Exercises of notebooks/18_case_electronics.ipynb (default parameters: seed 1, 3 replications of
90 days)."""

import numpy as np

from casekit import metrics
from casekit.exercises import Exercise, register
from casekit.exercises._cases import largest_clear_mover

# 18.2: five replications of the hybrid's fill rate (%), as the question gives them.
_FILL_RATES = (96.1, 97.4, 96.8, 97.9, 96.5)


def batching_bullwhip(mean: float = 20.0, review: int = 30, buckets: int = 10_000, seed: int = 18):
    """A warehouse that every ``review`` days orders exactly the demand of the last ``review`` days
    (Poisson daily demand of ``mean``): its bullwhip ratio on daily series and on ``review``-day
    buckets, measured on ``buckets`` simulated buckets."""
    rng = np.random.default_rng(seed)
    demand = rng.poisson(mean, size=review * buckets).astype(float)
    orders = np.zeros_like(demand)
    orders[review - 1::review] = demand.reshape(buckets, review).sum(axis=1)
    daily = metrics.bullwhip_ratio(orders, demand)
    per_bucket = float(metrics.bucketed_bullwhip(orders, demand, bucket=review, review_periods=review).network)
    return daily, per_bucket


register(Exercise(
    name="18.1",
    prompt="Which single lever, switched on alone over the traditional baseline, changes "
           "the electronics bullwhip ratio the most (the largest paired change whose 95% interval excludes "
           "0, in the notebook's default run: seed 1, 3 replications of 90 days)? Answer with the lever's "
           "name as the lever table prints it, or \"none\" if you expect no lever to move it clearly.",
    expected=lambda: largest_clear_mover("electronics", "bullwhip"),
    hint="Bullwhip compares how much the orders sent upstream vary with how much customer demand varies, "
         "per 30 days. Which change alters how often the upstream stage orders, on what information, or "
         "how much stock it aims at? A change to the downstream safety stock formula alone barely "
         "reaches it.",
    kind="predict",
))

register(Exercise(
    name="18.2",
    prompt="Five replications of the hybrid policy gave fill rates of 96.1, 97.4, 96.8, 97.9 and 96.5 %. "
           "By hand, what is the 95% confidence interval of the mean fill rate? Give [low, high] in %, "
           "2 decimals.",
    expected=lambda: list(metrics.mean_ci(_FILL_RATES)[1:]),
    hint="Replications are independent, so the interval is the mean plus or minus a Student t quantile "
         "(97.5%, with one degree of freedom fewer than the number of replications) times the sample "
         "standard deviation over the square root of the number of replications.",
    rtol=0, atol=6e-3, kind="derive",
))

register(Exercise(
    name="18.3",
    prompt="A colleague's model of this case reported a traditional bullwhip ratio of about 700, "
           "against the paper's 1.45. It computed the ratio on daily series, while the traditional "
           "warehouse orders once every 30 days. To see why, take a warehouse that every 30 days orders "
           "exactly the demand of the last 30 days, with Poisson daily demand of mean 20. What is its "
           "bullwhip ratio on daily series, and what is it when orders and demand are both summed per "
           "30 days? Give [daily, per 30 days], the daily ratio to the nearest unit.",
    expected=lambda: list(batching_bullwhip()),
    hint="On daily series the orders are zero on 29 days and a month of demand on the 30th: their variance "
         "is mostly the square of that batch. Work out the mean of the squared daily order and subtract "
         "the squared mean. Per 30 days, compare what is ordered in a month with what is demanded in it.",
    rtol=0.02, atol=0, kind="diagnose",
))
