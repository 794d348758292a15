"""Case studies at full size (issue 9): FMCG 2,000 outlets x 365 days x 30 replications and
electronics 20 SKUs x 365 days x 30 replications, both policies; targets < 120 s and < 60 s.

Prints one line per case and scenario: wall time (data preparation + both simulations),
simulation time, node-days simulated and node-days per second.
"""

import time

from casekit.cases import electronics, fmcg

TARGETS = {"fmcg": 120.0, "electronics": 60.0}

for case, fn in (("fmcg", lambda sc: fmcg.run(outlets=2000, horizon_days=365, replications=30, seed=1, scenario=sc)),
                 ("electronics", lambda sc: electronics.run(horizon_days=365, replications=30, seed=1, scenario=sc))):
    for sc in ("none", "supplier_shutdown"):
        t0 = time.perf_counter()
        res = fn(sc)
        wall = time.perf_counter() - t0
        r = res.results()
        print(f"{case:11s} {sc:17s} wall {wall:6.2f} s (target < {TARGETS[case]:.0f} s: "
              f"{'ok' if wall < TARGETS[case] else 'MISSED'}), simulation {res.elapsed:6.2f} s, "
              f"{res.node_periods:,} node-days, {res.node_periods / res.elapsed:,.0f} node-days/s; "
              f"fill rate trad {r['traditional']['fill_rate']['mean']:.4f} hybrid {r['hybrid']['fill_rate']['mean']:.4f}")
