"""casekit.paper: the paper's published figures, checked against the paper's text where the text is
present (``../shared/paper/`` beside the repository), and for internal consistency everywhere."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from casekit import metrics, paper

ROOT = Path(__file__).resolve().parent.parent


def _paper_text() -> str | None:
    """The paper's full text, if a copy sits in ``shared/paper/`` next to the repository (or one
    or two levels up, for worktrees) or in ``$CASEKIT_PAPER_DIR``."""
    dirs = [Path(os.environ["CASEKIT_PAPER_DIR"])] if os.environ.get("CASEKIT_PAPER_DIR") else []
    dirs += [ROOT.parent / "shared" / "paper", ROOT.parent.parent / "shared" / "paper"]
    for d in dirs:
        files = sorted(d.glob("*.txt")) if d.is_dir() else []
        if files:
            return files[0].read_text(encoding="utf-8")
    return None


TEXT = _paper_text()
needs_text = pytest.mark.skipif(TEXT is None, reason="the paper's text is not beside the repository")


def _num(cell: str) -> float:
    cell = cell.strip().replace("–", "-").replace("%", "")
    return math.nan if cell in ("—", "") else float(cell)


def _table_lines(header_start: str, n: int) -> list[list[str]]:
    lines = TEXT.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(header_start))
    rows = [ln.split("\t") for ln in lines[i + 1:] if "\t" in ln]
    return rows[:n]


def _section(loc: str) -> str:
    """The text of section ``§x.y`` (or ``§9``, the conclusion)."""
    lines = TEXT.splitlines()
    num = loc.lstrip("§")
    if "." in num:
        start = next(k for k, ln in enumerate(lines) if ln.startswith(num + " "))
        head = re.compile(r"^\d+\.\d+ |^\d+\. [A-Z]")
    else:
        start = next(k for k, ln in enumerate(lines) if ln.startswith(num + ". "))
        head = re.compile(r"^REFERENCE")
    end = next((k for k in range(start + 1, len(lines)) if head.match(lines[k])), len(lines))
    return "\n".join(lines[start:end])


# ------------------------------------------------------------------ against the paper's text

@needs_text
def test_title_and_author_as_printed():
    lines = [ln.strip() for ln in TEXT.splitlines() if ln.strip()]
    assert lines[0] == paper.TITLE
    assert lines[1] == paper.AUTHOR


@needs_text
def test_table1_as_printed():
    rows = _table_lines("Supply Chain Tier\t", 5)
    assert [tuple(c.strip() for c in r) for r in rows] == [
        (tier, *r) for tier, r in zip(paper.table1().index, paper.table1().itertuples(index=False))]


@needs_text
def test_table2_as_printed():
    rows = _table_lines("Method\tAverage Runtime", 4)
    t2 = paper.table2()
    assert [r[0] for r in rows] == list(t2.index)
    for r, (method, row) in zip(rows, t2.iterrows()):
        assert r[1].strip() == row.runtime_printed
        assert _num(r[2]) == row.quality_pct_of_optimal
        assert (r[3].strip(), r[4].strip()) == (row.robustness, row.scalability)
    assert re.findall(r"\d+", rows[3][1]) == ["90", "15"]      # training / execution


@needs_text
@pytest.mark.parametrize("case", paper.CASES)
def test_table3_as_printed(case):
    lines = [ln.split("\t") for ln in TEXT.splitlines() if "\t" in ln]
    col = {"electronics": (1, 2), "fmcg": (3, 4)}[case]
    t3 = paper.table3(case)
    seen = 0
    for key, row in t3.iterrows():
        label = row.indicator.replace("₂", "")                  # the text sets "CO ₂"
        match = [ln for ln in lines if re.sub(r"[\s₂]", "", ln[0]) == re.sub(r"\s", "", label)]
        assert len(match) == 1, label
        trad, hyb = (_num(match[0][c]) for c in col)
        assert (math.isnan(trad) and math.isnan(row.traditional)) or trad == row.traditional, key
        assert hyb == row.hybrid, key
        assert match[0][col[1]].strip() == row.printed_hybrid
        seen += 1
    assert seen == 8


@needs_text
@pytest.mark.parametrize("c", [c for c in paper.CLAIMS if c.location.startswith("§")], ids=lambda c: c.key)
def test_prose_figure_is_in_its_section(c):
    """Each prose figure appears, as printed, in the section it is attributed to."""
    body = _section(c.location)
    assert c.printed in body, f"{c.printed!r} not in {c.location}"
    printed = {float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", c.printed.replace("nine", "9"))}
    assert printed == {abs(c.value)} | ({abs(c.low)} if c.low is not None else set()), c.key


# ------------------------------------------------------------------ structure (no text needed)

def test_table2_has_the_four_rows_and_four_columns():
    t2 = paper.table2()
    assert list(t2.index) == ["MILP", "GA", "MILP + GA Hybrid", "Simulation + RL Hybrid"]
    for col in ("runtime_min", "quality_pct_of_optimal", "robustness", "scalability"):
        assert col in t2.columns
    assert t2["execution_min"].notna().tolist() == [False, False, False, True]


def test_table3_hybrid_is_better_in_every_row_as_published():
    for case in paper.CASES:
        t = paper.table3(case)
        for key, row in t.iterrows():
            if row.kind == "change":
                assert row.hybrid < 0 and row.change_printed
            else:
                better = row.hybrid > row.traditional if row.better == "higher" else row.hybrid < row.traditional
                assert better, (case, key)
                assert not row.change_printed


def test_table3_changes_computed_by_hand():
    e, f = paper.table3("electronics"), paper.table3("fmcg")
    assert e.loc["fill_rate", "change"] == 6 and f.loc["fill_rate", "change"] == 9
    assert e.loc["bullwhip", "change"] == pytest.approx(100 * (1.13 - 1.45) / 1.45)      # -22.07
    assert f.loc["order_cycle_std", "change"] == pytest.approx(100 * (4.0 - 6.1) / 6.1)  # -34.43
    assert f.loc["recovery_days", "change"] == pytest.approx(-37.5)                      # 8 -> 5


def test_claims_cover_both_tables_and_prose():
    df = paper.claims()
    assert df.index.is_unique
    assert len(paper.claims(location="Table 3")) == 2 * (4 * 2 + 4)   # 4 level rows x 2, 4 change rows
    assert set(paper.claims(case="fmcg")["location"]) == {"Table 3", "§7.2", "§7.3"}
    for key in ("s7_1.electronics.backorders_change", "s7_3.fmcg.bullwhip_change",
                "s3_3.safety_stock_alignment.inventory_change", "s4_2.retraining.forecast_error_change",
                "s5_2.forecast_optimisation_coupling.holding_cost_change"):
        assert key in df.index


def test_every_claim_metric_is_a_casekit_metric():
    for c in paper.CLAIMS:
        if c.metric is not None:
            spec = metrics.metric_spec(c.metric)
            assert spec.better == c.better, c.key


def test_claim_interval_semantics():
    assert paper.claim("s3_3.safety_stock_alignment.inventory_change").interval == (-15.0, 0.0)
    assert paper.claim("s9.fill_rate_change").interval == (0.0, 9.0)
    assert paper.claim("s9.total_cost_change").interval == (-15.0, -14.0)
    assert paper.claim("table3.fmcg.bullwhip.hybrid").interval == (1.13, 1.13)


def test_cross_checks_by_hand():
    cc = paper.cross_checks()
    # 28 % fewer backorders vs the unfilled share 9 % -> 3 % of demand: (3 - 9) / 9 = -66.7 %
    assert cc.loc["s7_1.electronics.backorders_change", "table3_derived"] == pytest.approx(-200 / 3)
    assert not cc.loc["s7_1.electronics.backorders_change", "consistent"]
    # "9 %" FMCG fill-rate gain: (98 - 89) / 89 = 10.11 % relative, 9 points absolute
    assert cc.loc["s7_2.fmcg.fill_rate_change", "table3_derived"] == pytest.approx(900 / 89)
    assert cc.loc["s7_3.fmcg.bullwhip_change", "consistent"]           # (1.13 - 1.38) / 1.38 = -18.1 %
    assert cc["consistent"].sum() == len(cc) - 2


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="case must be one of 'electronics', 'fmcg'; got 'pharma'"):
        paper.table3("pharma")
    with pytest.raises(ValueError, match="key must be one of"):
        paper.claim("table3.fmcg.nothing")
    with pytest.raises(ValueError, match="location must be one of"):
        paper.claims(location="Table 9")
    with pytest.raises(TypeError, match="ranks"):
        paper.table1(ranks="yes")


def test_casekit_does_not_read_the_paper_text():
    src = (ROOT / "casekit" / "paper.py").read_text(encoding="utf-8")
    assert "open(" not in src and "read_text" not in src and "shared/paper" not in src
