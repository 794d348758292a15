"""Learner-facing text speaks of inventory, the paper and casekit, never of how the work was organised.

Scanned: every curriculum notebook and Voila app (markdown and code), the README, the dataset
READMEs and every string literal in casekit (docstrings, messages and widget labels).  The patterns
are phrases, not bare words: "target" is an inventory word ("order-up-to target"), so only
"the issue's target" and the like are flagged; "issue" alone would catch "issued orders".
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROCESS_WORDS = re.compile(
    r"\bseed[- ]paper\b"                      # the source paper is "the paper", named by its title
    r"|\bthe seed's\b|\bseed claims?\b|\bseed sections? \d|\bseed \d+\.\d"
    r"|\bthe issue\b|\bissue's\b|\bissue\s*#?\d+|\bissue tracker\b"
    r"|\b(?:the|this|chapter's|our|my|your|task) brief\b|\bbrief's\b|\bbriefs\b"
    r"|\btickets?\b"
    r"|\bhelper (?:session|agent|branch)s?\b|\b(?:another|other) helpers?\b"
    r"|\bmeasured targets\b|\bthe \d+(?:\.\d+)?\s?% target\b",
    re.IGNORECASE)

def _texts(path: Path) -> list[tuple[str, str]]:
    """(where, text) pairs a reader sees in ``path``."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        about = nb.get("metadata", {}).get("casekit", {})
        return [(f"cell {i}", "".join(c.get("source", ""))) for i, c in enumerate(nb["cells"])] + [
            (f"metadata {k}", v) for k, v in about.items() if isinstance(v, str)]
    if path.suffix == ".py":
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return [(f"line {n.lineno}", n.value) for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return [(f"line {i + 1}", line) for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())]


def _leaks(path: Path) -> list[str]:
    found = []
    for where, text in _texts(path):
        for m in PROCESS_WORDS.finditer(text):
            context = text[max(0, m.start() - 40): m.end() + 40].replace("\n", " ")
            found.append(f"{where}: {m.group(0)!r} in ...{context}...")
    return found


FILES = sorted({*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("notebooks/apps/*.ipynb"), ROOT / "README.md",
                *ROOT.glob("casekit/datasets/**/*.md"), *ROOT.glob("instructors/**/*.md"), *ROOT.glob("casekit/**/*.py")})
PARAMS = [pytest.param(p, id=str(p.relative_to(ROOT))) for p in FILES]


@pytest.mark.parametrize("path", PARAMS)
def test_no_process_words_in_learner_text(path):
    leaks = _leaks(path)
    assert not leaks, f"{path.relative_to(ROOT)} speaks of how the work was organised:\n" + "\n".join(leaks)


@pytest.mark.parametrize("text", [
    "The issue's target: within 2%.", "the seed paper claims", "The chapter's brief quotes 70%",
    "as the ticket says", "the seed's Table 3", "the 2% target", "what issue 15 asks",
    "the FMCG case (seed sections 8.1-8.2)", "the electronics case (seed 7.1-7.3)"])
def test_the_patterns_catch_process_words(text):
    assert PROCESS_WORDS.search(text)


@pytest.mark.parametrize("text", [
    "the order-up-to target", "orders issued at the previous origin", "a fill-rate target of 98%",
    "a brief look at the data", "Each helper raises a ValueError", "seed = 0  # random seed",
    "the stage's target echelon position", "lead-time demand", "-p seed 7 -p mean_demand 20",
    "10 replications, seed 0.", "(seed 20240707)"])
def test_the_patterns_spare_inventory_words(text):
    assert not PROCESS_WORDS.search(text)
