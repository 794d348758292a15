"""casekit._blas: the engines' small matrix products run on one BLAS thread."""

from threadpoolctl import threadpool_info

from casekit._blas import single_thread


def _blas_threads():
    return {lib["internal_api"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_one_blas_thread_inside_and_the_previous_setting_after():
    before = _blas_threads()
    with single_thread():
        assert set(_blas_threads().values()) == {1}
    assert _blas_threads() == before


def test_a_simulation_runs_on_one_blas_thread(monkeypatch):
    """simulate() wraps both engines in single_thread(): seen from inside the fast engine's loop."""
    from scipy.stats import poisson

    from casekit.network import serial
    from casekit.policies import EchelonBaseStock
    from casekit.simulation import fast, simulate

    seen = []
    real = fast.FastEngine.period_cost

    def spy(self, cm=None):
        seen.append(set(_blas_threads().values()))
        return real(self, cm)

    monkeypatch.setattr(fast.FastEngine, "period_cost", spy)
    net = serial([1], [1], 4, poisson(6))
    simulate(net, EchelonBaseStock([8]), 5, 2, seed=1, engine="fast")
    assert seen and all(s == {1} for s in seen)
