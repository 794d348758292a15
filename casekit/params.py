"""Notebook parameters checked in one call, from a spec that ``casekit run`` can read too.

A notebook's ``parameters`` cell holds the knobs (``seed = 0``, ``replications = 20``, ...).  The
cell after it states what each knob may be, once, and checks them all::

    from casekit.params import Choice, Int, Real, check_parameters

    check_parameters({
        "seed": Int(min=0),
        "replications": Int(2, 500),
        "service_level": Real(above=0, below=1),
        "scenario": Choice("none", "port_strike"),
        "n_periods": Int(min="4 * window"),        # a bound may name other parameters
    }, globals())

Every parameter that breaks its rule is reported in one :class:`ParameterError` (a ``ValueError``
and a ``TypeError``) whose lines name the parameter, the value received and what is allowed, e.g.
``replications must be an integer from 2 to 500, got 0``.  Nothing is converted or clipped.

``casekit run`` and ``casekit sweep`` read the same spec from the notebook's source without running
it (:func:`notebook_spec`: the spec must be a dict literal of these constructors with literal
arguments), so a bad ``-p`` is refused before a kernel starts; a notebook run directly with
papermill stops in that cell with the same message.
"""

from __future__ import annotations

import ast
import json
import math
import numbers
from pathlib import Path

import numpy as np

__all__ = ["Int", "Real", "Reals", "Choice", "Names", "Sizes", "Flag", "ParameterError", "check_parameters",
           "check_values", "notebook_spec", "check_notebook_values"]


class ParameterError(ValueError, TypeError):
    """One or more notebook parameters break their spec; ``problems`` lists one line per parameter."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = self.problems[0]
        else:
            text = f"{len(self.problems)} parameters are not allowed: " + "; ".join(self.problems)
        super().__init__(text)


# ------------------------------------------------------------------------------------------------
# Bounds: a number, or a small arithmetic expression over other parameters ("4 * window")

_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a / b}


def _bound_value(bound, values: dict):
    """The number ``bound`` stands for: itself, or its expression evaluated on ``values``.
    Returns ``None`` when a parameter it names has no known value."""
    if bound is None or not isinstance(bound, str):
        return bound

    def ev(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        if isinstance(node, ast.Name):
            value = values.get(node.id, _UNKNOWN)
            if value is _UNKNOWN or isinstance(value, bool) or not isinstance(value, (numbers.Real, np.number)):
                raise LookupError(node.id)
            return value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        raise ValueError(f"bound {bound!r}: only numbers, parameter names and + - * / // are allowed")

    try:
        return ev(ast.parse(bound, mode="eval").body)
    except (LookupError, ArithmeticError):     # a parameter it names is unknown or not a number
        return None


def _bound_text(bound, value) -> str:
    return f"{bound} (= {value:g})" if isinstance(bound, str) else f"{value:g}"


_UNKNOWN = object()


class _Spec:
    """What one parameter may be.  ``none=True`` also allows ``None``."""

    none = False

    def describe(self, values: dict) -> str:          # "an integer from 2 to 500"
        raise NotImplementedError

    def problem(self, name: str, value, values: dict) -> str | None:
        """``None`` if ``value`` is allowed, else one line naming parameter, value and rule."""
        if value is None and self.none:
            return None
        if not self._fits(value, values):
            shown = f"{value!r} ({type(value).__name__})" if not self._right_kind(value) else repr(value)
            return f"{name} must be {self.describe(values)}, got {shown}"
        return None

    def _right_kind(self, value) -> bool:
        return True

    def _fits(self, value, values: dict) -> bool:
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v is not None and v is not False)
        return f"{type(self).__name__}({args})"


class _Bounded(_Spec):
    """A number between optional bounds: ``min``/``max`` inclusive, ``above``/``below`` strict."""

    kind = "a number"

    def __init__(self, min=None, max=None, *, above=None, below=None, none: bool = False):
        for label, bound in (("min", min), ("max", max), ("above", above), ("below", below)):
            if bound is not None and not isinstance(bound, str):
                if isinstance(bound, bool) or not isinstance(bound, numbers.Real) or not math.isfinite(bound):
                    raise TypeError(f"{label} must be a finite number or an expression naming parameters, "
                                    f"got {bound!r}")
            if isinstance(bound, str):
                _bound_value(bound, {})       # refuses anything but numbers, names and arithmetic
        self.min, self.max, self.above, self.below, self.none = min, max, above, below, none

    def _limits(self, values):
        return [(symbol, bound, _bound_value(bound, values)) for symbol, bound in
                ((">=", self.min), ("<=", self.max), (">", self.above), ("<", self.below)) if bound is not None]

    def describe(self, values: dict) -> str:
        limits = self._limits(values)
        known = [(s, b, v) for s, b, v in limits if v is not None]
        text = self.kind
        symbols = [s for s, _, _ in known]
        if symbols == [">=", "<="]:
            (_, b0, v0), (_, b1, v1) = known
            text += f" from {_bound_text(b0, v0)} to {_bound_text(b1, v1)}"
        elif known:
            text += " " + " and ".join(f"{s} {_bound_text(b, v)}" for s, b, v in known)
        return text + (" or None" if self.none else "")

    def _in_bounds(self, x, values) -> bool:
        tests = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, "<": lambda a, b: a < b}
        return all(v is None or tests[s](x, v) for s, _, v in self._limits(values))


class Int(_Bounded):
    """An integer (``3.0`` is refused), optionally bounded: ``Int(2, 500)``, ``Int(min=0)``."""

    kind = "an integer"

    def _right_kind(self, value) -> bool:
        return not isinstance(value, bool) and isinstance(value, (numbers.Integral, np.integer))

    def _fits(self, value, values):
        return self._right_kind(value) and self._in_bounds(int(value), values)


class Real(_Bounded):
    """A finite real number (an int is fine), optionally bounded: ``Real(above=0)`` is a positive
    number, ``Real(above=0, below=1)`` a probability strictly between 0 and 1."""

    def _right_kind(self, value) -> bool:
        return not isinstance(value, bool) and isinstance(value, (numbers.Real, np.number))

    def _fits(self, value, values):
        return self._right_kind(value) and math.isfinite(value) and self._in_bounds(float(value), values)


class Reals(_Bounded):
    """A non-empty list of finite numbers, each within the bounds; ``length`` fixes how many, as a
    number or as the name of another list parameter that must be as long; ``min_length`` and
    ``max_length`` bound how many otherwise."""

    kind = "a list of numbers"

    def __init__(self, min=None, max=None, *, above=None, below=None, length=None, min_length: int = 1,
                 max_length: int | None = None, none: bool = False):
        super().__init__(min, max, above=above, below=below, none=none)
        self.length, self.min_length, self.max_length = length, min_length, max_length

    def _right_kind(self, value) -> bool:
        return isinstance(value, (list, tuple, np.ndarray))

    def _length(self, values):
        if isinstance(self.length, str):
            other = values.get(self.length)
            return len(other) if isinstance(other, (list, tuple, np.ndarray)) else None
        return self.length

    def describe(self, values: dict) -> str:
        text = super().describe(values)
        each = text[len(self.kind):].replace(" or None", "")
        text = self.kind + (f", each{each}" if each else "")
        n = self._length(values)
        if n is not None:
            text += f", {n} of them" + (f" (one per entry of {self.length})" if isinstance(self.length, str) else "")
        elif self.max_length is not None:
            text += f", {self.min_length} to {self.max_length} of them"
        elif self.min_length > 1:
            text += f", at least {self.min_length} of them"
        return text + (" or None" if self.none else "")

    def _fits(self, value, values):
        if not self._right_kind(value) or len(value) < max(self.min_length, 1):
            return False
        n = self._length(values)
        if (n is not None and len(value) != n) or (self.max_length is not None and len(value) > self.max_length):
            return False
        return all(Real._right_kind(self, x) and math.isfinite(x) and self._in_bounds(float(x), values)
                   for x in value)


class Choice(_Spec):
    """One of the listed values: ``Choice("none", "port_strike")``."""

    def __init__(self, *options, none: bool = False):
        if not options:
            raise TypeError("Choice needs at least one option")
        self.options, self.none = tuple(options), none

    def describe(self, values: dict) -> str:
        return "one of " + ", ".join(map(repr, self.options)) + (" or None" if self.none else "")

    def _fits(self, value, values):
        return any(type(value) is type(o) and value == o for o in self.options)


def _list_text(text: str, min_length: int, none: bool) -> str:
    """The end of a comma-separated list rule's description (how many items, None allowed)."""
    if min_length == 0:
        text += " (or '' for none)"
    elif min_length > 1:
        text += f", at least {min_length} of them"
    return text + (" or None" if none else "")


def _items(value):
    """The comma-separated items of a string value (``[]`` for ``""``), None for a non-string."""
    if not isinstance(value, str):
        return None
    return value.split(",") if value else []


class Names(_Spec):
    """Names separated by commas, each one of the listed options: ``Names("cap41", "cap64")`` allows
    ``"cap64"`` and ``"cap41,cap64"``.  ``min_length=0`` also allows ``""`` (no names at all)."""

    def __init__(self, *options, min_length: int = 1, none: bool = False):
        if not options:
            raise TypeError("Names needs at least one option")
        self.options, self.min_length, self.none = tuple(options), min_length, none

    def describe(self, values: dict) -> str:
        text = "names separated by commas, each one of " + ", ".join(map(repr, self.options))
        return _list_text(text, self.min_length, self.none)

    def _right_kind(self, value) -> bool:
        return isinstance(value, str)

    def _fits(self, value, values):
        items = _items(value)
        if items is None:
            return False
        return len(items) >= self.min_length and all(item in self.options for item in items)


class Sizes(_Bounded):
    """Sizes written ``"<rows>x<columns>"`` and separated by commas, each number an integer within the
    bounds: ``Sizes(2, 400)`` allows ``"100x100,150x150"``.  ``min_length=0`` also allows ``""``."""

    kind = "an integer"

    def __init__(self, min=None, max=None, *, min_length: int = 1, none: bool = False):
        super().__init__(min, max, none=none)
        self.min_length = min_length

    def describe(self, values: dict) -> str:
        each = super().describe(values).replace(" or None", "")
        text = f"sizes such as '100x100' separated by commas, each number {each}"
        return _list_text(text, self.min_length, self.none)

    def _right_kind(self, value) -> bool:
        return isinstance(value, str)

    def _fits(self, value, values):
        items = _items(value)
        if items is None:
            return False
        if len(items) < self.min_length:
            return False
        for item in items:
            parts = item.lower().split("x")
            if len(parts) != 2 or not all(n.strip().isdecimal() for n in parts):
                return False
            if not all(self._in_bounds(int(n), values) for n in parts):
                return False
        return True


class Flag(_Spec):
    """``True`` or ``False``."""

    def __init__(self, *, none: bool = False):
        self.none = none

    def describe(self, values: dict) -> str:
        return "True or False" + (" or None" if self.none else "")

    def _fits(self, value, values):
        return isinstance(value, (bool, np.bool_))


SPEC_TYPES = {cls.__name__: cls for cls in (Int, Real, Reals, Choice, Names, Sizes, Flag)}


# ------------------------------------------------------------------------------------------------
# Checking


def _check_spec(spec) -> dict:
    if not isinstance(spec, dict) or not spec:
        raise TypeError(f"spec must be a non-empty dict {{parameter name: Int(...) / Real(...) / ...}}, got {spec!r}")
    for name, rule in spec.items():
        if not isinstance(rule, _Spec):
            raise TypeError(f"spec[{name!r}] must be one of {', '.join(SPEC_TYPES)}, got {rule!r}")
    return spec


def check_values(spec: dict, values: dict, *, skip_unknown: bool = False) -> list[str]:
    """The problems (one line each) of ``values`` against ``spec``; empty when all are allowed.

    With ``skip_unknown`` a parameter missing from ``values`` is not checked (``casekit run`` uses
    this for a default it cannot read without running the notebook); otherwise it is a problem.
    """
    _check_spec(spec)
    problems = []
    for name, rule in spec.items():
        if name not in values:
            if not skip_unknown:
                problems.append(f"{name} is not defined; the parameters cell must set it")
            continue
        line = rule.problem(name, values[name], values)
        if line:
            problems.append(line)
    return problems


def check_parameters(spec: dict, namespace: dict) -> None:
    """Check every parameter named in ``spec`` against its rule, reading values from ``namespace``
    (a notebook passes ``globals()``).  Raises one :class:`ParameterError` listing every parameter
    that breaks its rule, each with its value and what is allowed.

    >>> spec = {"replications": Int(2, 500), "n_periods": Int(min="4 * window"), "window": Int(min=2)}
    >>> check_parameters(spec, {"replications": 20, "n_periods": 156, "window": 13})
    >>> check_parameters(spec, {"replications": 0, "n_periods": 40, "window": 13})
    Traceback (most recent call last):
    ...
    casekit.params.ParameterError: 2 parameters are not allowed: replications must be an integer from 2 to 500, got 0; n_periods must be an integer >= 4 * window (= 52), got 40
    """
    if not isinstance(namespace, dict):
        raise TypeError(f"namespace must be a dict such as globals(), got {type(namespace).__name__}")
    problems = check_values(spec, namespace)
    if problems:
        raise ParameterError(problems)


# ------------------------------------------------------------------------------------------------
# Reading a notebook's spec without running it (casekit run / sweep)


def _literal_call(node) -> _Spec:
    """Build a spec from ``Int(2, 500)`` / ``params.Real(above=0)`` source: literal arguments only."""
    if not isinstance(node, ast.Call):
        raise ValueError("each rule must be a call such as Int(min=0)")
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name not in SPEC_TYPES:
        raise ValueError(f"unknown rule {ast.unparse(func)}; use one of {', '.join(SPEC_TYPES)}")
    args = [ast.literal_eval(a) for a in node.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    return SPEC_TYPES[name](*args, **kwargs)


def spec_from_source(source: str) -> dict | None:
    """The spec passed to ``check_parameters`` in ``source`` (a dict literal, or a name assigned a
    dict literal in the same source), or ``None`` when the source has no such call.  Raises
    ``ValueError`` when there is a call but its spec is not written with literals."""
    tree = ast.parse(source)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and (
        (isinstance(n.func, ast.Name) and n.func.id == "check_parameters")
        or (isinstance(n.func, ast.Attribute) and n.func.attr == "check_parameters"))]
    if not calls:
        return None
    arg = calls[0].args[0] if calls[0].args else None
    if isinstance(arg, ast.Name):
        assigned = [n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == arg.id for t in n.targets)]
        arg = assigned[-1] if assigned else None
    if not isinstance(arg, ast.Dict):
        raise ValueError("check_parameters must be given a dict literal {name: Int(...), ...}")
    spec = {}
    for key, value in zip(arg.keys, arg.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise ValueError("spec keys must be parameter names written as strings")
        spec[key.value] = _literal_call(value)
    return spec


def notebook_spec(path) -> dict | None:
    """The parameter spec of the notebook at ``path``: read from the first code cell after the
    ``parameters`` cell that calls ``check_parameters``; ``None`` when the notebook has none."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    for cell in code:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell.get("source", ""))
        if "check_parameters" not in source:
            continue
        try:
            found = spec_from_source(source)
        except SyntaxError:
            continue
        if found is not None:
            return found
    return None


def check_notebook_values(path, defaults: dict, overrides: dict) -> list[str]:
    """Problems of a run of the notebook at ``path`` with ``overrides`` (``-p``) on top of its
    ``defaults`` (``{name: source text}`` as papermill reads them; a default that is not a literal
    is left to the notebook).  Empty when the notebook has no spec or everything is allowed."""
    try:
        spec = notebook_spec(path)
    except (ValueError, TypeError):     # a spec not written with literals: the notebook checks it itself
        spec = None
    if spec is None:
        return []
    values = {}
    for name, text in defaults.items():
        try:
            values[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError):
            pass
    values.update(overrides)
    return check_values(spec, values, skip_unknown=True)
