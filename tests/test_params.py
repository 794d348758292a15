"""casekit.params: a notebook's parameters checked in one call, and ``casekit run`` / ``sweep``
refusing a bad ``-p`` from the same spec before a kernel starts."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

import casekit
from casekit.params import (Choice, Flag, Int, Names, ParameterError, Real, Reals, Sizes, check_notebook_values,
                            check_parameters, check_values, notebook_spec, spec_from_source)

SPEC = {
    "seed": Int(min=0),
    "replications": Int(2, 500),
    "service_level": Real(above=0, below=1),
    "cost": Real(min=0),
    "scenario": Choice("none", "port_strike"),
    "window": Int(min=2),
    "n_periods": Int(min="4 * window"),
    "lead_time": Reals(min=0, length="holding_cost"),
    "holding_cost": Reals(min=0),
    "customer_cst": Int(0, 10, none=True),
    "lot_demand": Reals(min=0, min_length=2, max_length=4),
    "show_plot": Flag(),
}
GOOD = dict(seed=0, replications=20, service_level=0.95, cost=0, scenario="none", window=13, n_periods=156,
            lead_time=[1.0, 2], holding_cost=[3.0, 2.0], customer_cst=None, lot_demand=[90, 120], show_plot=True)


def test_good_parameters_pass_unchanged():
    namespace = dict(GOOD)
    assert check_parameters(SPEC, namespace) is None
    assert namespace == GOOD, "nothing is converted or clipped"
    assert check_values(SPEC, {**GOOD, "seed": np.int64(3), "cost": 2, "customer_cst": 4}) == []


@pytest.mark.parametrize("name,value,message", [
    ("seed", -1, "seed must be an integer >= 0, got -1"),
    ("seed", 1.0, "seed must be an integer >= 0, got 1.0 (float)"),
    ("seed", True, "seed must be an integer >= 0, got True (bool)"),
    ("replications", 0, "replications must be an integer from 2 to 500, got 0"),
    ("replications", 501, "replications must be an integer from 2 to 500, got 501"),
    ("service_level", 1.0, "service_level must be a number > 0 and < 1, got 1.0"),
    ("service_level", "0.9", "service_level must be a number > 0 and < 1, got '0.9' (str)"),
    ("cost", float("nan"), "cost must be a number >= 0, got nan"),
    ("cost", float("inf"), "cost must be a number >= 0, got inf"),
    ("scenario", "strike", "scenario must be one of 'none', 'port_strike', got 'strike'"),
    ("scenario", None, "scenario must be one of 'none', 'port_strike', got None"),
    ("n_periods", 40, "n_periods must be an integer >= 4 * window (= 52), got 40"),
    ("lead_time", [1.0], "lead_time must be a list of numbers, each >= 0, 2 of them (one per entry of holding_cost)"),
    ("lead_time", [1.0, -2.0], "lead_time must be a list of numbers, each >= 0, 2 of them"),
    ("holding_cost", [], "holding_cost must be a list of numbers, each >= 0, got []"),
    ("holding_cost", 3.0, "holding_cost must be a list of numbers, each >= 0, got 3.0 (float)"),
    ("lot_demand", [90], "lot_demand must be a list of numbers, each >= 0, 2 to 4 of them, got [90]"),
    ("lot_demand", [1, 2, 3, 4, 5], "lot_demand must be a list of numbers, each >= 0, 2 to 4 of them"),
    ("customer_cst", 11, "customer_cst must be an integer from 0 to 10 or None, got 11"),
    ("show_plot", 1, "show_plot must be True or False, got 1"),
])
def test_bad_input_names_the_parameter_the_value_and_what_is_allowed(name, value, message):
    with pytest.raises(ParameterError) as info:
        check_parameters(SPEC, {**GOOD, name: value})
    assert message in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_lists_of_names_and_sizes_written_as_one_string():
    """A chapter's comma-separated instance list ("cap41,cap64") and size list ("100x100,150x150")."""
    spec = {"instances": Names("cap41", "cap64"), "ladder": Names("cap41", "cap64", min_length=0),
            "sizes": Sizes(2, 400), "extra": Sizes(2, 400, min_length=0)}
    good = {"instances": "cap64,cap41", "ladder": "", "sizes": "100x100,150X2", "extra": ""}
    assert check_values(spec, good) == []
    for name, value, message in [
        ("instances", "cap41,cap99", "instances must be names separated by commas, each one of 'cap41', 'cap64', "
                                     "got 'cap41,cap99'"),
        ("instances", "", "got ''"),
        ("instances", "cap41,,cap64", "got 'cap41,,cap64'"),
        ("instances", ["cap41"], "got ['cap41'] (list)"),
        ("ladder", "cap41, cap64", "(or '' for none), got 'cap41, cap64'"),
        ("sizes", "100x401", "sizes must be sizes such as '100x100' separated by commas, each number an integer "
                             "from 2 to 400, got '100x401'"),
        ("sizes", "1x100", "got '1x100'"),
        ("sizes", "100x100x2", "got '100x100x2'"),
        ("sizes", "100by100", "got '100by100'"),
        ("sizes", "-5x10", "got '-5x10'"),
        ("sizes", "2\u00b2x10", "got '2\u00b2x10'"),
        ("sizes", "", "got ''"),
    ]:
        problems = check_values(spec, {**good, name: value})
        assert len(problems) == 1 and message in problems[0], (name, value, problems)
    read = spec_from_source('check_parameters({"a": Names("x", "y", min_length=0), "b": Sizes(2, 9)}, globals())')
    assert read["a"].options == ("x", "y") and read["a"].min_length == 0 and check_values(read, {"a": "y", "b": "9x2"}) == []


def test_every_bad_parameter_is_reported_in_one_error():
    with pytest.raises(ValueError) as info:
        check_parameters(SPEC, {**GOOD, "seed": -1, "scenario": "x", "window": 1})
    text = str(info.value)
    assert text.startswith("3 parameters are not allowed: ")
    assert "seed must be" in text and "scenario must be" in text and "window must be" in text
    assert len(info.value.problems) == 3


def test_a_parameter_missing_from_the_namespace_is_named():
    with pytest.raises(ValueError, match="replications is not defined; the parameters cell must set it"):
        check_parameters({"replications": Int(2, 500)}, {})


def test_a_spec_that_is_not_a_spec_is_refused():
    with pytest.raises(TypeError, match=r"spec\['seed'\] must be one of Int, Real"):
        check_parameters({"seed": int}, {"seed": 0})
    with pytest.raises(TypeError, match="min must be a finite number"):
        Int(min=float("nan"))
    with pytest.raises(ValueError, match="only numbers, parameter names"):
        Int(min="__import__('os').getcwd()")


def test_spec_is_read_from_source_without_running_it():
    source = ('import casekit\nfrom casekit.params import Int, Choice\n'
              'casekit.check_parameters({"seed": Int(min=0), "mode": Choice("a", "b"),\n'
              '                          "n": Int(min="2 * seed", max=9)}, globals())\n')
    spec = spec_from_source(source)
    assert list(spec) == ["seed", "mode", "n"]
    assert check_values(spec, {"seed": 3, "mode": "a", "n": 5}) == ["n must be an integer from 2 * seed (= 6) to 9, got 5"]
    named = spec_from_source('spec = {"seed": Int(min=0)}\ncheck_parameters(spec, globals())')
    assert list(named) == ["seed"]
    assert spec_from_source("x = 1") is None
    with pytest.raises(ValueError, match="unknown rule"):
        spec_from_source('check_parameters({"seed": eval("1")}, globals())')


def test_record_results_records_everything_or_nothing():
    casekit.record_results({"params_test_a": np.float64(1.5), "params_test_b": [1, 2]})
    assert casekit.recorded()["params_test_a"] == 1.5 and casekit.recorded()["params_test_b"] == [1, 2]
    with pytest.raises(TypeError, match=r"results\['params_test_d'\]"):
        casekit.record_results({"params_test_c": 1, "params_test_d": object()})
    assert "params_test_c" not in casekit.recorded()
    with pytest.raises(ValueError, match="reserved"):
        casekit.record_results({"status": 1})


# ----------------------------------------------------------------------------------------------
# casekit run / sweep with a tiny notebook


def _tiny_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("seed = 0\nreplications = 5\nscenario = 'none'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params,
                nbformat.v4.new_code_cell(
                    "import casekit\nfrom casekit.params import Choice, Int\n\n"
                    "casekit.check_parameters({\n    \"seed\": Int(min=0),\n    \"replications\": Int(2, 500),\n"
                    "    \"scenario\": Choice(\"none\", \"port_strike\"),\n}, globals())"),
                nbformat.v4.new_code_cell("casekit.record_results({'replications': replications})")]
    nbformat.write(nb, str(path))
    return path


def test_notebook_spec_and_defaults(tmp_path):
    nb = _tiny_notebook(tmp_path / "tiny.ipynb")
    assert list(notebook_spec(nb)) == ["seed", "replications", "scenario"]
    defaults = {"seed": "0", "replications": "5", "scenario": "'none'"}
    assert check_notebook_values(nb, defaults, {}) == []
    assert check_notebook_values(nb, defaults, {"replications": 1}) == [
        "replications must be an integer from 2 to 500, got 1"]


def test_run_with_a_bad_parameter_is_refused_before_the_kernel_starts(tmp_path, capsys):
    from casekit.cli import main

    nb, out = _tiny_notebook(tmp_path / "tiny.ipynb"), tmp_path / "run"
    code = main(["run", str(nb), "--allow-any-notebook", "-p", "replications", "0", "-p", "scenario", "strike",
                 "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == ("casekit run: tiny.ipynb: 2 parameters are not allowed: replications must be an integer "
                        "from 2 to 500, got 0; scenario must be one of 'none', 'port_strike', got 'strike'")
    assert not out.exists(), "nothing may run or be written"


def test_sweep_with_a_bad_grid_point_is_refused_before_any_run(tmp_path, capsys):
    from casekit.cli import main

    nb, out = _tiny_notebook(tmp_path / "tiny.ipynb"), tmp_path / "sweep"
    code = main(["sweep", str(nb), "--allow-any-notebook", "--grid", "replications=5,1", "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == ("casekit sweep: tiny.ipynb at grid point replications=1: replications must be an integer "
                        "from 2 to 500, got 1")
    assert not out.exists()


def test_papermill_run_stops_in_the_check_cell_with_the_message(tmp_path):
    """Run directly with papermill (no casekit run in front): the kernel stops in the cell after the
    parameters, before anything is recorded."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = _tiny_notebook(tmp_path / "tiny.ipynb")
    with pytest.raises(PapermillExecutionError) as info:
        papermill.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters={"seed": -4},
                                   kernel_name="python3", progress_bar=False)
    assert info.value.ename == "ParameterError"
    assert "seed must be an integer >= 0, got -4" in info.value.evalue
    executed = json.loads((tmp_path / "out.ipynb").read_text())
    last = [c for c in executed["cells"] if c["cell_type"] == "code"][-1]
    assert last.get("execution_count") is None, "the cells after the check never ran"
