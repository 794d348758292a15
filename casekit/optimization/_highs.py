"""Running HiGHS whatever the process has run before.

HiGHS keeps one task scheduler per process, created by the first solve with that solve's
``threads`` option.  casekit solves with ``threads=1`` (reproducible runs on a shared machine);
after a solve with another thread count earlier in the same process (a learner trying ``highspy``
or ``pulp.HiGHS()`` directly), HiGHS refuses to run with "the scheduler has already been
initialized".  :func:`run` detects that refusal, resets the scheduler and runs again.
"""

from __future__ import annotations

import highspy

__all__ = ["run"]


def _reset_scheduler() -> None:
    reset = getattr(highspy.Highs, "resetThreadScheduler", None) or getattr(highspy.Highs, "resetGlobalScheduler")
    reset(True)


def run(h: highspy.Highs) -> highspy.HighsStatus:
    """``h.run()``; if HiGHS refuses to start (an error before any solving, model status not set),
    reset its thread scheduler and run once more; if it refuses again, raise a RuntimeError that
    says why in one line."""
    status = h.run()
    if status == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
        _reset_scheduler()
        status = h.run()
        if status == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
            threads = h.getOptionValue("threads")
            raise RuntimeError(f"HiGHS refused to run with threads={threads} even after resetting its thread "
                               "scheduler; restart the Python process (kernel) and run casekit's solve first")
    return status
