"""Small linear algebra on one BLAS thread.

casekit's matrix products are small: a (2,000 x 30) matrix-vector product per simulated day, a
tiny ARIMA factorisation repeated thousands of times.  OpenBLAS nevertheless starts a thread per
core for them, and its threads spin-wait for work: on a 2-core machine two processes doing this
(the case studies run their simulations in two processes) keep four busy threads on two cores.
Measured on the full-size FMCG case: Table 3 with its ablation took 103 s with the default threads
and 54 s with one; a seasonal ARIMA search took 43 s against 1.9 s.  One thread is faster for
problems this small.
"""

from __future__ import annotations

import contextlib

_CONTROLLER = None


def single_thread():
    """A context manager running the BLAS calls inside it on one thread (threadpoolctl).

    The controller (which finds the loaded BLAS libraries by reading the process's memory map,
    about 14 ms) is built once per process and reused."""
    global _CONTROLLER
    if _CONTROLLER is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:                                   # pragma: no cover
            return contextlib.nullcontext()
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
