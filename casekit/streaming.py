"""A real-time analytics pipeline on a replayed event stream (the paper's Figure 2).

ingestion -> transformation -> triggers and alerts -> store -> dashboard, in numpy batches:

1. **Replay** (:func:`replay`): time-stamped events (sales, receipts, shipment ETA telemetry, RFID
   counts, temperature and vibration readings; see :mod:`casekit.datasets.events`) are cut into
   batches by an accelerated clock: ``speed`` simulated seconds per wall-clock second, one batch
   per ``tick`` of wall time.  ``realtime=True`` sleeps between batches; the default replays as
   fast as the pipeline runs.
2. **Ingest** (:meth:`Pipeline.process`): every event is checked, and a bad one is **rejected,
   counted and logged** (logger ``casekit.streaming``), never dropped silently: missing or
   non-whole timestamp, missing event id, unknown node, SKU or type, missing, infinite or negative
   value, missing shipment id, duplicated ``event_id`` (an event is taken exactly once, keyed by
   its id), a timestamp too far ahead of the stream's clock, or out of order.  Events may arrive
   up to ``reorder_window_hours`` late: they wait in the window and are applied in time order
   (by ``ts``, then ``event_id``); an event later than that is rejected as out of order.  A
   rejected event never moves the clock.  ``strict=True`` raises a ``ValueError`` instead.
3. **Transform**: per (node, SKU) the net inventory ``NI`` (on hand minus backorders) and the
   inventory position ``IP = NI + on order`` after every event, by segmented cumulative sums; an
   RFID count resets ``NI`` to the counted units (the difference is shrinkage).
4. **Trigger**: the continuous-review (R, nQ) rule: after any event that lowers IP to R or below,
   order the smallest multiple of Q that lifts IP above R.  Orders are never cancelled, so the
   number of orders placed by event t is ``n_t = max(n_{t-1}, g_t)``, ``g_t = max(0,
   floor((R - IP0_t)/Q) + 1)``, ``IP0`` the position without the pipeline's orders: a running
   maximum, hence vectorised.  Each increase of ``n`` is a purchase-order event of ``(n_t -
   n_{t-1}) Q`` units.
5. **Anomalies** (control charts, Montgomery, *Introduction to Statistical Quality Control*):
   temperature by an **EWMA chart** per node, ``z_t = lambda x_t + (1 - lambda) z_{t-1}``, out of
   control when ``|z_t - mu_0| > L sigma_0 sqrt(lambda/(2 - lambda) [1 - (1 - lambda)^{2t}])``
   (lambda = 0.2, L = 4: wider than the textbook 3, because a node sends thousands of readings
   and L = 3 would raise a false alarm every few days); ETA drift (latest ETA minus the planned one) and shipment shocks by the
   **modified z-score** of Iglewicz & Hoaglin (1993), ``M = 0.6745 (x - median)/MAD``, an outlier
   when ``|M| > 3.5``.  The in-control parameters (``mu_0``, ``sigma_0 = 1.4826 MAD``, median, MAD)
   come from a Phase I calibration: the first ``calibration`` observations of each feed.
   An alert is raised when a feed goes out of control (not on every point while it stays out).
6. **Impact**: each alert carries the expected cost if it is not resolved, with Poisson demand at
   the observed rate ``lambda`` and ``n(x; mu) = E[(D - x)^+]`` the Poisson loss function:
   a late shipment: ``p [n(NI+; lambda (eta_new - t)) - n(NI+; lambda (eta_planned - t))]``;
   a warm cold room: write-off ``c NI+`` plus ``p lambda L`` per SKU (the stock spoils and the
   shelf stays empty for a lead time L); a shock: write-off of one order quantity ``c Q`` plus the
   extra shortage while a replacement comes, ``p [n(NI+; lambda (eta - t + L)) - n(NI+; lambda (eta - t))]``.  Alerts are ranked by that number.
7. **Store** (:class:`EventStore`): accepted events, purchase orders, alerts, rejections and
   windowed KPIs in SQLite (standard library), queried with SQL window functions
   (:data:`QUERIES`).  A batch's accepted events are written as one packed block and unpacked
   into the relational ``events`` table by the first query that needs it.  Each batch is one transaction, so a crash leaves the store at the end of
   the last complete batch; a new :class:`Pipeline` on the reopened store rebuilds its state and
   counters from it and continues (events sent again are recognised by their ids).
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

try:                                   # pandas' text columns are Arrow arrays when pyarrow is installed
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:                    # pragma: no cover - then pandas matches the names
    pa = pc = None
from scipy import signal, special

from casekit.datasets.events import EVENT_TYPES
from casekit.validate import (check_array, check_int, check_nonnegative, check_positive, check_probability,
                              check_real)

__all__ = ["EventStore", "Pipeline", "BatchReport", "replay", "DashboardState", "dashboard_state", "poisson_loss", "ewma_chart",
           "modified_z", "QUERIES", "EVENT_COLUMNS", "REJECTION_REASONS"]

log = logging.getLogger("casekit.streaming")

EVENT_COLUMNS = ("event_id", "ts", "type", "node", "sku", "value", "shipment")
REJECTION_REASONS = ("missing_timestamp", "bad_timestamp", "bad_event_id", "unknown_type", "unknown_node",
                     "unknown_sku", "bad_value", "bad_shipment", "duplicate", "too_far_ahead", "out_of_order")
_T = {name: i for i, name in enumerate(EVENT_TYPES)}
_INVENTORY = (_T["sale"], _T["receipt"], _T["rfid"])


# ----------------------------------------------------------------------------- small pure functions
def poisson_loss(x, mu):
    """Poisson first-order loss ``n(x) = E[(D - x)^+]`` for D ~ Poisson(mu), x >= 0 integer.

    ``n(x) = (mu - x)(1 - F(x)) + mu f(x)`` (Zipkin, *Foundations of Inventory Management*, 6.2).

    >>> round(float(poisson_loss(3, 2.0)), 6)   # sum_{d>3} (d-3) P(D=d)
    0.218018
    """
    if isinstance(x, (int, float, np.integer, np.floating)) and isinstance(mu, (int, float, np.integer, np.floating)) \
            and not isinstance(x, bool) and math.isfinite(x) and math.isfinite(mu) and mu >= 0:
        x, mu = float(x), float(mu)                     # one value: plain floats, no array overhead
        if x < 0:
            return mu - x
        sf = float(special.pdtrc(math.floor(x), mu))
        f = math.exp(float(special.xlogy(x, mu)) - mu - math.lgamma(x + 1)) if x == math.floor(x) else 0.0
        return (mu - x) * sf + mu * f
    x = np.asarray(x, dtype=float)
    mu = np.asarray(mu, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x must be finite, got {float(x.ravel()[~np.isfinite(x.ravel())][0])!r}")
    if not np.all(np.isfinite(mu) & (mu >= 0)):
        bad = mu.ravel()[~(np.isfinite(mu.ravel()) & (mu.ravel() >= 0))][0]
        raise ValueError(f"mu must be a finite Poisson mean >= 0, got {float(bad)!r}")
    # P(D > x) = 1 - P(D <= floor x) (1 below 0); f(x) = e^{-mu} mu^x / x! at whole x >= 0, else 0
    with np.errstate(invalid="ignore", divide="ignore"):
        sf = np.where(x < 0, 1.0, special.pdtrc(np.floor(np.maximum(x, 0.0)), mu))
        whole = (x >= 0) & (x == np.floor(x))
        f = np.where(whole, np.exp(special.xlogy(np.maximum(x, 0.0), mu) - mu
                                   - special.gammaln(np.maximum(x, 0.0) + 1)), 0.0)
    out = (mu - x) * sf + mu * f
    return float(out) if out.ndim == 0 else out


def ewma_chart(x, mu0: float, sigma0: float, lam: float = 0.2, L: float = 3.0, z0: float | None = None,
               t0: int = 0):
    """EWMA statistics and out-of-control flags for observations ``x`` (Montgomery 9.2).

    Returns ``(z, out, limit)``: ``z_t = lam x_t + (1 - lam) z_{t-1}`` starting from ``z0``
    (default ``mu0``), ``limit_t = L sigma0 sqrt(lam/(2-lam) (1-(1-lam)^{2t}))`` for t = t0+1, ...,
    and ``out = |z - mu0| > limit``.  ``sigma0`` and ``L`` must be > 0, ``0 < lam < 1``.
    """
    x = check_array("x", x, ndim=1)
    mu0 = check_real("mu0", mu0)
    sigma0 = check_positive("sigma0", sigma0)
    lam = check_probability("lam", lam)
    L = check_positive("L", L)
    z0 = mu0 if z0 is None else check_real("z0", z0)
    t0 = check_int("t0", t0, minimum=0)
    return _ewma(x, mu0, sigma0, lam, L, z0, t0)


def _ewma(x, mu0, sigma0, lam, L, z0, t0):
    """:func:`ewma_chart` on checked arguments (the pipeline calls it per node and batch)."""
    z, _ = signal.lfilter([lam], [1.0, -(1 - lam)], x, zi=[(1 - lam) * z0])
    t = t0 + np.arange(1, x.size + 1)
    limit = L * sigma0 * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
    return z, np.abs(z - mu0) > limit, limit


def modified_z(x, median: float, mad: float):
    """``M = 0.6745 (x - median) / MAD`` (Iglewicz & Hoaglin 1993); |M| > 3.5 flags an outlier.
    A MAD of 0 (more than half the values equal) is taken as 1e-12."""
    x = check_array("x", x)
    median = check_real("median", median)
    mad = check_nonnegative("mad", mad)
    return 0.6745 * (x - median) / max(mad, 1e-12)


# ----------------------------------------------------------------------------- SQL
_SCHEMA = """
CREATE TABLE IF NOT EXISTS types (type_id INTEGER PRIMARY KEY, type TEXT);
CREATE TABLE IF NOT EXISTS nodes (node_id INTEGER PRIMARY KEY, node TEXT);
CREATE TABLE IF NOT EXISTS skus (sku_id INTEGER PRIMARY KEY, sku TEXT);
CREATE TABLE IF NOT EXISTS events (event_id INTEGER PRIMARY KEY, ts INTEGER, type_id INTEGER,
    node_id INTEGER, sku_id INTEGER, value REAL, shipment INTEGER);
CREATE TABLE IF NOT EXISTS purchase_orders (ts INTEGER, node_id INTEGER, sku_id INTEGER, qty REAL,
    inventory_position REAL, event_id INTEGER);
CREATE TABLE IF NOT EXISTS alerts (ts INTEGER, kind TEXT, node_id INTEGER, sku_id INTEGER,
    shipment INTEGER, value REAL, score REAL, impact REAL, event_id INTEGER);
CREATE TABLE IF NOT EXISTS rejected (event_id INTEGER, ts REAL, reason TEXT);
CREATE TABLE IF NOT EXISTS kpis (window_start INTEGER, node_id INTEGER, sku_id INTEGER, demand REAL,
    filled REAL, fill_rate REAL, inventory_position REAL, net_inventory REAL, orders INTEGER);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL);
CREATE TABLE IF NOT EXISTS event_blocks (block INTEGER PRIMARY KEY, n INTEGER, event_id BLOB, ts BLOB,
    type_id BLOB, node_id BLOB, sku_id BLOB, value BLOB, shipment BLOB);
"""
#: The columns of ``events`` and ``event_blocks``, with the numpy type each is stored as.
_EVENT_STORE_TYPES = {"event_id": np.int64, "ts": np.int64, "type_id": np.int64, "node_id": np.int64,
                      "sku_id": np.int64, "value": np.float64, "shipment": np.int64}

#: SQL the chapter runs on the store (SQLite window functions).
QUERIES = {
    # demand per node, SKU and hour, with its rolling 24-hour sum
    "rolling_demand": """
WITH hourly AS (
    SELECT n.node, s.sku, e.ts / 3600 AS hour, SUM(e.value) AS units
    FROM events e JOIN nodes n USING (node_id) JOIN skus s USING (sku_id)
    WHERE e.type_id = (SELECT type_id FROM types WHERE type = 'sale')
    GROUP BY n.node, s.sku, hour
)
SELECT node, sku, hour, units,
       SUM(units) OVER (PARTITION BY node, sku ORDER BY hour
                        RANGE BETWEEN 23 PRECEDING AND CURRENT ROW) AS units_24h
FROM hourly ORDER BY node, sku, hour""",
    # each ETA update against the shipment's first (planned) ETA, in hours
    "eta_drift": """
SELECT e.shipment, n.node, s.sku, e.ts, e.value AS eta,
       (e.value - FIRST_VALUE(e.value) OVER w) / 3600.0 AS drift_hours,
       ROW_NUMBER() OVER w AS update_no
FROM events e JOIN nodes n USING (node_id) JOIN skus s USING (sku_id)
WHERE e.type_id = (SELECT type_id FROM types WHERE type = 'eta')
WINDOW w AS (PARTITION BY e.shipment ORDER BY e.ts, e.event_id)
ORDER BY e.shipment, e.ts""",
    # alerts ranked by expected cost if unresolved, with the running share of total impact
    "ranked_alerts": """
SELECT RANK() OVER (ORDER BY a.impact DESC) AS rank, a.ts, a.kind, n.node, s.sku, a.shipment,
       a.value, a.score, a.impact,
       SUM(a.impact) OVER (ORDER BY a.impact DESC ROWS UNBOUNDED PRECEDING)
           / SUM(a.impact) OVER () AS cumulative_share
FROM alerts a LEFT JOIN nodes n USING (node_id) LEFT JOIN skus s USING (sku_id)
ORDER BY rank""",
    # time between successive purchase orders of each node and SKU
    "order_intervals": """
SELECT n.node, s.sku, p.ts, p.qty,
       (p.ts - LAG(p.ts) OVER (PARTITION BY p.node_id, p.sku_id ORDER BY p.ts)) / 3600.0
           AS hours_since_last
FROM purchase_orders p JOIN nodes n USING (node_id) JOIN skus s USING (sku_id)
ORDER BY n.node, s.sku, p.ts""",
}


class EventStore:
    """The pipeline's embedded database: SQLite (``":memory:"`` by default, or a file path).

    Strings (type, node, SKU) are stored once in dimension tables and referenced by integer ids.
    ``events.event_id`` is the primary key, so an event can be stored only once.

    Accepted events arrive by the thousand per batch, so the pipeline writes each batch's events as
    **one row of ``event_blocks``**: its columns as packed arrays (int64 / float64 bytes), written
    inside the batch's transaction like everything else.  Binding a million rows one by one would
    cost SQLite more time than the whole pipeline.  The blocks are unpacked into the relational
    ``events`` table (and deleted, in one transaction) the first time SQL needs it:
    :meth:`query` and :meth:`materialize` do this; :meth:`count` counts both.  A file store runs
    in write-ahead-log mode with ``synchronous=NORMAL``: a batch is one transaction, so a crash or
    a power cut leaves the store as it was after the last complete batch, and a new
    :class:`Pipeline` on the reopened file continues from there.
    """

    def __init__(self, path: str = ":memory:", nodes=(), skus=()):
        self.path = str(path)
        self.con = sqlite3.connect(self.path)
        if self.path != ":memory:":
            mode = self.con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ValueError(f"path {self.path!r}: SQLite could not switch the store to write-ahead "
                                 f"logging (journal mode {mode!r})")
        self.con.execute("PRAGMA synchronous = NORMAL")
        self.con.executescript(_SCHEMA)
        with self.transaction():
            self.con.executemany("INSERT OR REPLACE INTO types VALUES (?, ?)", list(enumerate(EVENT_TYPES)))
            if nodes:
                self.con.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?)", list(enumerate(nodes)))
            if skus:
                self.con.executemany("INSERT OR REPLACE INTO skus VALUES (?, ?)", list(enumerate(skus)))

    @contextlib.contextmanager
    def transaction(self):
        """All writes inside the ``with`` block are committed together, or rolled back together
        if the block raises (or is interrupted)."""
        if self.con.in_transaction:            # nested: the outer block commits
            yield self
            return
        self.con.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def insert(self, table: str, columns: dict) -> None:
        """Insert numpy columns (equal length) into ``table`` (``"events"``: as one packed block)."""
        if not columns:
            return
        n = len(next(iter(columns.values())))
        if n == 0:
            return
        if table == "events":
            self._append_block(columns, n)
            return
        cols = list(columns)
        rows = zip(*[np.asarray(columns[c]).tolist() for c in cols])
        self.con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             rows)

    def _append_block(self, columns: dict, n: int) -> None:
        missing = set(_EVENT_STORE_TYPES) - set(columns)
        if missing:
            raise ValueError(f"events columns are missing {sorted(missing)}")
        blobs = [np.ascontiguousarray(columns[c], dtype=t).tobytes() for c, t in _EVENT_STORE_TYPES.items()]
        self.con.execute(f"INSERT INTO event_blocks (n, {', '.join(_EVENT_STORE_TYPES)}) "
                         f"VALUES (?, {', '.join('?' * len(_EVENT_STORE_TYPES))})", [n, *blobs])

    def event_arrays(self) -> dict:
        """Every stored event as numpy columns (``events`` table, then the blocks not yet unpacked)."""
        parts = {c: [] for c in _EVENT_STORE_TYPES}
        cur = self.con.execute(f"SELECT {', '.join(_EVENT_STORE_TYPES)} FROM events")
        rows = cur.fetchall()
        if rows:
            for c, t, v in zip(_EVENT_STORE_TYPES, _EVENT_STORE_TYPES.values(), zip(*rows)):
                parts[c].append(np.array(v, dtype=t))
        for row in self.con.execute(f"SELECT {', '.join(_EVENT_STORE_TYPES)} FROM event_blocks ORDER BY block"):
            for (c, t), blob in zip(_EVENT_STORE_TYPES.items(), row):
                parts[c].append(np.frombuffer(blob, dtype=t))
        return {c: np.concatenate(v) if v else np.zeros(0, _EVENT_STORE_TYPES[c]) for c, v in parts.items()}

    def materialize(self) -> int:
        """Unpack the event blocks into the ``events`` table (one transaction); return the rows added."""
        if self.con.execute("SELECT COUNT(*) FROM event_blocks").fetchone()[0] == 0:
            return 0
        with self.transaction():
            blocks = self.con.execute(f"SELECT {', '.join(_EVENT_STORE_TYPES)} FROM event_blocks ORDER BY block")
            added = 0
            for row in blocks.fetchall():
                cols = [np.frombuffer(b, dtype=t).tolist() for b, t in zip(row, _EVENT_STORE_TYPES.values())]
                self.con.executemany(f"INSERT INTO events ({', '.join(_EVENT_STORE_TYPES)}) VALUES "
                                     f"({', '.join('?' * len(_EVENT_STORE_TYPES))})", zip(*cols))
                added += len(cols[0])
            self.con.execute("DELETE FROM event_blocks")
        return added

    def commit(self) -> None:
        self.con.commit()

    def query(self, sql: str, params=()) -> pd.DataFrame:
        """Run SQL (a key of :data:`QUERIES` or SQL text) and return a DataFrame (the event blocks are
        unpacked into ``events`` first)."""
        sql = QUERIES.get(sql, sql)
        self.materialize()
        return pd.read_sql_query(sql, self.con, params=params)

    def count(self, table: str) -> int:
        """Rows of ``table`` (for ``events``, with the events still packed in blocks)."""
        if table == "events":
            return int(self.con.execute("SELECT (SELECT COUNT(*) FROM events) + "
                                        "(SELECT COALESCE(SUM(n), 0) FROM event_blocks)").fetchone()[0])
        return int(self.con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def names(self, table: str) -> list:
        """The dimension table ``nodes`` or ``skus`` as a list, in id order."""
        col = {"nodes": "node", "skus": "sku"}[table]
        return [r[0] for r in self.con.execute(f"SELECT {col} FROM {table} ORDER BY {col}_id")]

    def get_meta(self, key: str):
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def close(self) -> None:
        self.con.close()


# ----------------------------------------------------------------------------- replay
def replay(events: pd.DataFrame, *, speed: float = 3600.0, tick: float = 1.0, realtime: bool = False):
    """Yield consecutive slices of ``events`` (in stream order), one per clock tick.

    With ``speed`` simulated seconds per wall second, a tick of ``tick`` wall seconds covers
    ``speed * tick`` simulated seconds of the stream.  ``realtime=True`` sleeps so that batches
    arrive at the accelerated clock's pace; otherwise batches come as fast as they are consumed.
    The stream is not reordered: out-of-order events are left for the pipeline to reject.
    """
    speed = check_positive("speed", speed)
    tick = check_positive("tick", tick)
    if not isinstance(events, pd.DataFrame) or "ts" not in events:
        raise TypeError("events must be a DataFrame with a 'ts' column")
    for s, e in _replay_bounds(events["ts"].to_numpy(dtype=float), speed, tick, realtime):
        yield events.iloc[s:e]


def _replay_bounds(ts, speed, tick, realtime):
    """(start, end) positions of the consecutive slices :func:`replay` yields, sleeping between
    them when ``realtime``."""
    if ts.size == 0:
        return
    finite = ts[np.isfinite(ts)]
    t0 = finite.min() if finite.size else 0.0
    span = speed * tick
    # tick number of each event by its position: the running max keeps slices contiguous
    key = np.floor((np.where(np.isfinite(ts), ts, t0) - t0) / span)
    key = np.maximum.accumulate(key)
    bounds = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [ts.size]])
    wall0 = time.perf_counter()
    for s, e in zip(starts, ends):
        if realtime:
            due = wall0 + key[s] * tick
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        yield int(s), int(e)


# ----------------------------------------------------------------------------- the pipeline
@dataclass(frozen=True)
class BatchReport:
    """What one call of :meth:`Pipeline.process` did."""

    received: int
    accepted: int
    rejected: dict
    orders: int
    alerts: int
    pending: int = 0     #: accepted events still waiting in the reorder window after the batch


def _increasing(x) -> bool:
    """Whether ``x`` is strictly increasing (a stream in id order needs no sorting)."""
    return bool(np.all(x[1:] > x[:-1]))


def _in_time_order(ts, ids) -> bool:
    """Whether events are already sorted by (ts, event_id)."""
    dt = ts[1:] - ts[:-1]
    return bool(np.all((dt > 0) | ((dt == 0) & (ids[1:] > ids[:-1]))))


def _small_ints(x, top: int):
    """``x`` (0..top) in the narrowest integer type, so that numpy's stable sort is a radix sort."""
    for t in (np.int16, np.int32):
        if top < np.iinfo(t).max:
            return x.astype(t)
    return x


def _concat(parts: list) -> pd.DataFrame:
    """One table from per-batch dicts of equal-length numpy columns."""
    return pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in parts[0]})


def _segment_starts(groups_sorted):
    start = np.ones(groups_sorted.size, dtype=bool)
    start[1:] = groups_sorted[1:] != groups_sorted[:-1]
    return start


def _segmented_cumsum(x, start):
    """Cumulative sum of ``x`` restarting at every segment start."""
    c = np.cumsum(x)
    idx = np.flatnonzero(start)
    before = np.concatenate([[0.0], c[idx[1:] - 1]]) if idx.size else np.zeros(0)
    return c - before[np.cumsum(start) - 1]


def _segmented_max(x, start, carry):
    """Running maximum restarting at each segment start from ``carry`` (x, carry >= 0 integers)."""
    seg = np.cumsum(start) - 1
    big = float(max(np.max(x, initial=0), np.max(carry, initial=0)) + 1)
    shifted = np.maximum(x, carry) + seg * big
    return np.maximum.accumulate(shifted) - seg * big


_POLICY_COLUMNS = {  # column -> (lowest allowed value, whether the lowest value itself is allowed)
    "reorder_point": (-np.inf, True), "order_quantity": (0.0, False), "initial_stock": (-np.inf, True),
    "unit_cost": (0.0, True), "shortage_cost": (0.0, True), "lead_time_hours": (0.0, True),
    "demand_per_hour": (0.0, True)}


def _check_policy(policy) -> None:
    """Every row of the policy table names a node and a SKU and holds finite numbers in range."""
    if not isinstance(policy, pd.DataFrame):
        raise TypeError(f"policy must be a DataFrame, got {type(policy).__name__}")
    missing = ({"node", "sku"} | set(_POLICY_COLUMNS)) - set(policy.columns)
    if missing:
        raise ValueError(f"policy is missing column(s) {sorted(missing)}")
    if len(policy) == 0:
        raise ValueError("policy must have at least one row (node, SKU)")

    def where(i):
        return f"row {i} (node {policy['node'].iloc[i]!r}, sku {policy['sku'].iloc[i]!r})"

    for col in ("node", "sku"):
        bad = np.flatnonzero(policy[col].isna().to_numpy() | (policy[col].astype(str).str.strip() == "").to_numpy())
        if bad.size:
            raise ValueError(f"policy {col} must be a non-empty name in every row, got "
                             f"{policy[col].iloc[bad[0]]!r} in row {int(bad[0])}")
    for col, (low, inclusive) in _POLICY_COLUMNS.items():
        raw = policy[col]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(np.isnan(num) & raw.notna().to_numpy())
        if bad.size:
            raise TypeError(f"policy {col} must hold numbers; {where(bad[0])} has {raw.iloc[bad[0]]!r}")
        bad = np.flatnonzero(~np.isfinite(num))
        if bad.size:
            raise ValueError(f"policy {col} must be finite in every row; {where(bad[0])} has {num[bad[0]]!r}")
        bad = np.flatnonzero(num < low if inclusive else num <= low)
        if bad.size:
            rule = f">= {low:g}" if inclusive else f"> {low:g}"
            raise ValueError(f"policy {col} must be {rule} in every row; {where(bad[0])} has {num[bad[0]]!r}")
    if policy.duplicated(["node", "sku"]).any():
        dup = policy.loc[policy.duplicated(["node", "sku"]), ["node", "sku"]].iloc[0].tolist()
        raise ValueError(f"policy has more than one row for node, sku = {dup}")


def _codes(column: pd.Series, index: pd.Index, names: list) -> np.ndarray:
    """Position of each entry of a text column in ``names`` (-1: not one of them, or missing).

    Arrow-backed text (pandas' default ``str`` columns) is matched in one pyarrow kernel, about ten
    times faster than a hash lookup per Python string; anything else goes through pandas."""
    arr = column.array
    if pa is not None and hasattr(arr, "__arrow_array__") and pd.api.types.is_string_dtype(column.dtype):
        try:
            found = pc.index_in(pa.array(arr), value_set=pa.array(names, type=pa.large_string()))
            return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        except (pa.ArrowException, TypeError, ValueError):
            pass
    return index.get_indexer(column).astype(np.int64)


def _whole_numbers(column: pd.Series):
    """An integer column as int64 and a mask of the entries that are whole numbers (NaN, inf,
    fractions, text and values beyond 2^53 are not)."""
    if pd.api.types.is_integer_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype) \
            and not column.hasnans:
        return column.to_numpy(dtype=np.int64), np.ones(len(column), bool)
    x = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (x == np.floor(x)) & (np.abs(x) < 2.0 ** 53)
    return np.where(ok, x, 0).astype(np.int64), ok


class Pipeline:
    """Ingest, transform, trigger, detect and store a replayed event stream.

    Parameters
    ----------
    policy : DataFrame
        One row per (node, SKU): ``reorder_point`` R, ``order_quantity`` Q (> 0), ``initial_stock``,
        ``unit_cost`` c, ``shortage_cost`` p (per unit short), ``lead_time_hours`` L,
        ``demand_per_hour`` (prior demand rate, used until demand has been observed); all finite,
        costs, lead times and rates >= 0.  A bad row raises at construction, naming it.
    store : EventStore, optional
        Where events, orders, alerts, rejections and KPIs go (a new in-memory one by default).
        A store that already holds events (a file reopened after a crash or a stop) is resumed:
        state and counters are rebuilt from it and ingestion continues where it ends.
    window_hours : float
        KPI window length.
    strict : bool
        Raise ``ValueError`` on the first bad event instead of rejecting it (nothing of that batch
        is kept).
    calibration : int
        Phase I observations per feed for the control charts.
    ewma_lambda, ewma_L, z_limit : float
        Chart parameters (see the module doc).
    reorder_window_hours : float
        How late an event may arrive: one up to this much older than the latest accepted event is
        still accepted and applied in time order; an older one is rejected as ``out_of_order``.
        Events are therefore held back this long (plus events at the latest timestamp) before
        they are applied; :meth:`flush` (called at the end of :meth:`run`) applies the rest.
    max_ahead_hours : float
        An event more than this far ahead of the stream's clock (the latest accepted timestamp,
        or the median timestamp of the first batch) is rejected as ``too_far_ahead`` (a clock
        error), so one bad timestamp cannot make every later event look late.
    """

    def __init__(self, policy: pd.DataFrame, store: EventStore | None = None, *, window_hours: float = 24.0,
                 strict: bool = False, calibration: int = 96, ewma_lambda: float = 0.2,
                 ewma_L: float = 4.0, z_limit: float = 3.5, reorder_window_hours: float = 1.0,
                 max_ahead_hours: float = 168.0):
        _check_policy(policy)
        if store is not None and not isinstance(store, EventStore):
            raise TypeError(f"store must be an EventStore or None, got {type(store).__name__}")
        self.nodes = sorted(policy["node"].astype(str).unique())
        self.skus = sorted(policy["sku"].astype(str).unique())
        self.n_nodes, self.n_skus = len(self.nodes), len(self.skus)
        self._type_index, self._node_index = pd.Index(EVENT_TYPES), pd.Index(self.nodes)
        self._sku_index = pd.Index(self.skus)
        G = self.n_nodes * self.n_skus
        node_code = pd.Categorical(policy["node"].astype(str), self.nodes).codes.astype(np.int64)
        sku_code = pd.Categorical(policy["sku"].astype(str), self.skus).codes.astype(np.int64)
        self._pol = policy.assign(g=node_code * self.n_skus + sku_code)
        self.known = np.zeros(G, bool)
        self.known[self._pol["g"]] = True
        self.R, self.Q = self._col("reorder_point"), self._col("order_quantity")
        self.unit_cost, self.shortage_cost = self._col("unit_cost"), self._col("shortage_cost")
        self.lead_time = self._col("lead_time_hours") * 3600.0
        self.prior_rate = self._col("demand_per_hour") / 3600.0
        self.window = check_positive("window_hours", window_hours) * 3600.0
        self.strict = bool(strict)
        self.calibration = check_int("calibration", calibration, minimum=5)
        self.lam = check_probability("ewma_lambda", ewma_lambda)
        self.L = check_positive("ewma_L", ewma_L)
        self.z_limit = check_positive("z_limit", z_limit)
        self.reorder_window = check_nonnegative("reorder_window_hours", reorder_window_hours) * 3600.0
        self.max_ahead = check_positive("max_ahead_hours", max_ahead_hours) * 3600.0
        if store is None:
            store = EventStore(nodes=self.nodes, skus=self.skus)
        else:
            for table, names in (("nodes", self.nodes), ("skus", self.skus)):
                have = store.names(table)
                if not have:
                    with store.transaction():
                        store.con.executemany(f"INSERT INTO {table} VALUES (?, ?)", list(enumerate(names)))
                elif have != names:
                    raise ValueError(f"store {table} {have} differ from the policy's {names}: a store "
                                     "belongs to one network")
        self.store = store
        self._restore()

    def _col(self, name):
        out = np.zeros(self.n_nodes * self.n_skus)
        out[self._pol["g"]] = self._pol[name].to_numpy(float)
        return out

    # -------------------------------------------------------------- state, and resuming from the store
    def _reset(self) -> None:
        """The state before any event."""
        G = self.n_nodes * self.n_skus
        self.ni = self._col("initial_stock")     # net inventory
        self.ip0 = self._col("initial_stock")    # inventory position without the pipeline's orders
        self.n_orders = np.zeros(G)              # orders placed so far (each Q units)
        self.sold = np.zeros(G)                  # units demanded so far
        self.t_first = None
        self.clock = -np.inf                     # latest accepted timestamp
        self.frontier = -np.inf                  # events before this time have been applied
        self._anchor = None                      # reference time before the first accepted event
        self._pending = None                     # accepted events waiting in the reorder window
        self._seen_chunks: list[np.ndarray] = []
        self.max_id = None
        self.rejections = {r: 0 for r in REJECTION_REASONS}
        self.received = 0
        self.accepted = 0
        self._kpi_parts: list[dict] = []              # numpy columns per batch (a table when asked)
        self._po_parts: list[dict] = []
        self._n_po = 0
        self._alert_parts: list[dict] = []
        self._receipt_parts: list[dict] = []
        # charts: temperature per node (EWMA), drift and shocks (modified z, network-wide)
        self._temp_calib = {n: [] for n in range(self.n_nodes)}
        self._temp_state = {}                    # node -> (mu0, sigma0, z_last, t, out_last)
        self._robust = {"eta": [], "vibration": []}
        self._robust_par = {}
        self._robust_out = {"eta": {}, "vibration": {}}
        self._planned = {}                       # shipment -> planned ETA (first eta event)
        self._ship_sent = {}                     # shipment -> order ts

    def _restore(self) -> None:
        """Rebuild the state and the counters from what the store holds (nothing for a new store):
        applied events are replayed through the transform in time order, purchase orders and
        alerts are read back, events still inside the reorder window wait again."""
        self._reset()
        con = self.store.con
        self.rejections.update({r: int(c) for r, c in con.execute(
            "SELECT reason, COUNT(*) FROM rejected GROUP BY reason") if r in self.rejections})
        ev = self.store.event_arrays()
        self.accepted = int(ev["event_id"].size)
        self.received = self.accepted + sum(self.rejections.values())
        if not self.accepted:
            return
        order = np.lexsort((ev["event_id"], ev["ts"]))
        cols = [ev[c][order] for c in _EVENT_STORE_TYPES]
        self._seen_chunks = [np.sort(cols[0])]
        self.max_id = int(self._seen_chunks[0][-1])
        self.clock = float(cols[1].max())
        frontier = self.store.get_meta("frontier")
        # a store written without a frontier (before the reorder window existed) applied every event
        self.frontier = self.clock + 1.0 if frontier is None else float(frontier)
        anchor = self.store.get_meta("anchor")
        self._anchor = None if anchor is None else float(anchor)
        done = cols[1] < self.frontier
        self._apply(*[c[done] for c in cols], record=False)
        self._pending = [c[~done] for c in cols]
        po = pd.read_sql_query("SELECT ts, node_id, sku_id, qty, inventory_position, event_id FROM purchase_orders",
                               con)
        if len(po):
            self._po_parts = [{c: po[c].to_numpy() for c in po.columns}]
            self._n_po = len(po)
        al = pd.read_sql_query("SELECT ts, kind, node_id, sku_id, shipment, value, score, impact, event_id "
                               "FROM alerts", con)
        if len(al):
            self._alert_parts = [{c: al[c].to_numpy() for c in al.columns}]

    # -------------------------------------------------------------- ingest
    def _reject(self, mask, reason, ids, id_ok, ts):
        k = int(mask.sum())
        if not k:
            return
        first = int(np.flatnonzero(mask)[0])
        label = ids[first] if id_ok[first] else "(missing or invalid)"
        if self.strict:
            raise ValueError(f"event_id {label} (ts={float(ts[first])}) rejected: {reason.replace('_', ' ')}; "
                             "strict=False rejects, counts and logs such events instead")
        self.rejections[reason] += k
        log.warning("rejected %d event(s): %s (first event_id %s)", k, reason, label)
        tsm = ts[mask]
        self.store.insert("rejected", {
            "event_id": np.where(id_ok[mask], ids[mask], None),
            "ts": np.where(np.isfinite(tsm), tsm, -1.0), "reason": np.full(k, reason, dtype=object)})

    def _is_seen(self, ids):
        out = np.zeros(ids.size, bool)
        for chunk in self._seen_chunks:
            pos = np.searchsorted(chunk, ids)
            pos = np.minimum(pos, chunk.size - 1)
            out |= chunk[pos] == ids
        return out

    def _parse(self, batch: pd.DataFrame) -> tuple:
        """The event table as numpy columns: whole-number ids and shipments with masks of the valid
        ones, timestamps and values as floats (NaN where not numbers), names as codes (-1: unknown).
        Nothing is judged here; :meth:`_ingest` checks every event."""
        if not isinstance(batch, pd.DataFrame):
            raise TypeError(f"batch must be a DataFrame of events, got {type(batch).__name__}")
        missing = [c for c in EVENT_COLUMNS if c not in batch]
        if missing:
            raise ValueError(f"events are missing column(s) {missing}; expected {list(EVENT_COLUMNS)}")
        ids, id_ok = _whole_numbers(batch["event_id"])
        ship, ship_ok = _whole_numbers(batch["shipment"])
        ts = pd.to_numeric(batch["ts"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        value = pd.to_numeric(batch["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        typ = _codes(batch["type"], self._type_index, list(EVENT_TYPES))      # -1: unknown
        node = _codes(batch["node"], self._node_index, self.nodes)
        sku = _codes(batch["sku"], self._sku_index, self.skus)
        return ids, id_ok, ship, ship_ok, ts, value, typ, node, sku

    def _ingest(self, parsed: tuple):
        """Check every event of the batch (parsed by :meth:`_parse`); reject (count, log, store) the
        bad ones; return the accepted ones as arrays (event_id, ts, type, node, sku, value, shipment)."""
        ids, id_ok, ship, ship_ok, ts, value, typ, node, sku = parsed
        n = ids.size
        bad = np.zeros(n, bool)

        def step(mask, reason):
            nonlocal bad
            mask = mask & ~bad
            self._reject(mask, reason, ids, id_ok, ts)
            bad |= mask

        # 1. each event on its own: every field present, finite and known
        step(np.isnan(ts), "missing_timestamp")
        with np.errstate(invalid="ignore"):
            step(~np.isfinite(ts) | (ts != np.floor(ts)) | (np.abs(ts) >= 2.0 ** 53), "bad_timestamp")
        step(~id_ok, "bad_event_id")
        step(typ < 0, "unknown_type")
        step(node < 0, "unknown_node")
        sensor = typ == _T["temperature"]
        step(~sensor & (sku < 0), "unknown_sku")
        pair_ok = np.ones(n, bool)
        g = node * self.n_skus + np.maximum(sku, 0)
        pair_ok[~sensor] = self.known[g[~sensor]]
        step(~pair_ok & ~sensor, "unknown_sku")
        with np.errstate(invalid="ignore"):
            step(~np.isfinite(value) | ((value < 0) & ~sensor), "bad_value")
        step(~ship_ok, "bad_shipment")
        # 2. duplicates among the events still standing (the first good copy is kept) and
        #    against the ids already accepted
        cand = np.flatnonzero(~bad)
        order = cand if _increasing(ids[cand]) else cand[np.argsort(ids[cand], kind="stable")]
        dup = np.zeros(n, bool)
        dup[order[1:]] = ids[order[1:]] == ids[order[:-1]]
        if self.max_id is not None:
            maybe = ~bad & (ids <= self.max_id)
            if maybe.any():
                dup[maybe] |= self._is_seen(ids[maybe])
        step(dup, "duplicate")
        # 3. the clock: too far ahead of it (a clock error), or later than the reorder window allows.
        #    Only accepted events move the clock: an event found too far ahead is taken out and
        #    the running maximum recomputed until none is left (usually one pass).
        if self._anchor is None and (~bad).any():
            self._anchor = float(np.median(ts[~bad]))
        ahead = np.zeros(n, bool)
        while True:
            ok = ~bad & ~ahead
            run = np.maximum.accumulate(np.concatenate([[self.clock], np.where(ok, ts, -np.inf)]))[:-1]
            ref = np.maximum(run, -np.inf if self._anchor is None else self._anchor)
            new = ok & (ts > ref + self.max_ahead)
            if not new.any():
                break
            ahead |= new
        step(ahead, "too_far_ahead")
        prev = np.maximum.accumulate(np.concatenate([[self.clock], np.where(bad, -np.inf, ts)]))[:-1]
        step(ts < np.maximum(prev - self.reorder_window, self.frontier), "out_of_order")
        good = ~bad
        self.received += n
        self.accepted += int(good.sum())
        if good.any():
            acc = ids[good]
            if not _increasing(acc):
                acc = np.sort(acc)
            self._seen_chunks.append(acc)
            if len(self._seen_chunks) > 32:             # keep the membership test short
                merged = np.concatenate(self._seen_chunks)
                self._seen_chunks = [merged if _increasing(merged) else np.sort(merged)]
            self.max_id = int(acc[-1]) if self.max_id is None else max(self.max_id, int(acc[-1]))
            self.clock = max(self.clock, float(ts[good].max()))
        return (ids[good], ts[good].astype(np.int64), typ[good], node[good], np.where(sku[good] < 0, -1, sku[good]),
                value[good], ship[good])

    # -------------------------------------------------------------- one batch
    def process(self, batch: pd.DataFrame) -> BatchReport:
        """Run one batch of events through the pipeline; return what happened.

        Accepted events are stored at once; they are applied (inventory, triggers, alerts) when
        they leave the reorder window, in time order.  The batch is one transaction: if anything
        fails (or is interrupted), the store and the pipeline are as they were before it."""
        if not isinstance(batch, pd.DataFrame):
            raise TypeError(f"batch must be a DataFrame of events, got {type(batch).__name__}")
        return self._atomic(self._process, batch)

    def flush(self) -> BatchReport:
        """Apply every event still waiting in the reorder window (end of a replay).  Events that
        arrive later with an earlier timestamp than the latest applied one are rejected as
        ``out_of_order``."""
        return self._atomic(self._process, None)

    def _atomic(self, fn, batch):
        try:
            with self.store.transaction():
                return fn(batch)
        except BaseException:
            self._restore()                             # the store rolled back: rebuild from it
            raise

    def _process(self, batch) -> BatchReport:
        before = dict(self.rejections)
        if batch is not None:
            parsed = batch if isinstance(batch, tuple) else self._parse(batch)
            new = self._ingest(parsed)
            self.store.insert("events", dict(zip(EVENT_COLUMNS[:2] + ("type_id", "node_id", "sku_id")
                                                 + EVENT_COLUMNS[5:], new)))
            pending = new if self._pending is None else [np.concatenate(p) for p in zip(self._pending, new)]
            cut = self.clock - self.reorder_window     # nothing earlier than this can still be accepted
            n_in = int(new[0].size)
        else:
            pending = self._pending
            cut = self.clock + 1.0                     # everything: timestamps are whole seconds
            n_in = 0
        n_po = n_al = 0
        if pending is not None and pending[0].size:
            ts = pending[1]
            ready = ts < cut
            order = np.flatnonzero(ready)
            if not _in_time_order(ts[order], pending[0][order]):
                order = order[np.lexsort((pending[0][order], ts[order]))]
            n_po, n_al = self._apply(*[p[order] for p in pending])
            self._pending = [p[~ready] for p in pending]
        else:
            self._pending = pending
        if cut > self.frontier:
            self.frontier = cut
            self.store.set_meta("frontier", cut)
        if self._anchor is not None:
            self.store.set_meta("anchor", self._anchor)
        rej = {k: self.rejections[k] - before[k] for k in REJECTION_REASONS if self.rejections[k] - before[k]}
        received = 0 if batch is None else int(parsed[0].size)
        return BatchReport(received, n_in, rej, n_po, n_al, self.pending)

    @property
    def pending(self) -> int:
        """Accepted events waiting in the reorder window to be applied."""
        return 0 if self._pending is None else int(self._pending[0].size)

    def _apply(self, ids, ts, typ, node, sku, value, ship, *, record: bool = True):
        """Transform, trigger and chart accepted events, in time order."""
        if not ids.size:
            return 0, 0
        if self.t_first is None:
            self.t_first = int(ts[0])
        n_po = self._inventory(ids, ts, typ, node, sku, value, record)
        n_al = self._alerts(ids, ts, typ, node, sku, value, ship, record)
        self._receipts(ts, typ, node, ship)
        return n_po, n_al

    def run(self, events: pd.DataFrame, *, speed: float = 3600.0, tick: float = 1.0,
            realtime: bool = False, flush: bool = True) -> "Pipeline":
        """Replay ``events`` (see :func:`replay`) batch by batch, each as :meth:`process` would take
        it (one transaction, the same checks), then :meth:`flush` (unless ``flush=False``, for a
        stream that continues); return self.  The table is converted to numpy columns once and each
        batch is a slice of them, which gives the same results as processing the replayed
        DataFrames one by one."""
        speed = check_positive("speed", speed)
        tick = check_positive("tick", tick)
        if not isinstance(events, pd.DataFrame) or "ts" not in events:
            raise TypeError("events must be a DataFrame with a 'ts' column")
        # the whole table is parsed into numpy columns once; each batch is a slice of them
        parsed = self._parse(events)
        for s, e in _replay_bounds(events["ts"].to_numpy(dtype=float), speed, tick, realtime):
            self._atomic(self._process, tuple(col[s:e] for col in parsed))
        if flush:
            self.flush()
        return self

    # -------------------------------------------------------------- inventory, KPIs, triggers
    def _inventory(self, ids, ts, typ, node, sku, value, record=True):
        inv = (typ == _T["sale"]) | (typ == _T["receipt"]) | (typ == _T["rfid"])
        if not inv.any():
            return 0
        g_all = node[inv] * self.n_skus + sku[inv]
        order = np.argsort(_small_ints(g_all, self.n_nodes * self.n_skus), kind="stable")  # by group, stream order inside
        g = g_all[order]
        t = ts[inv][order]
        ty = typ[inv][order]
        v = value[inv][order]
        eid = ids[inv][order]
        start = _segment_starts(g)
        sale, rec, rfid = ty == _T["sale"], ty == _T["receipt"], ty == _T["rfid"]

        # net inventory with RFID resets: NI = running sum + an offset that each count re-bases
        d_ni = np.where(sale, -v, np.where(rec, v, 0.0))
        seg = np.cumsum(start) - 1
        seg_first = np.flatnonzero(start)
        base = _segmented_cumsum(d_ni, start) + self.ni[g[seg_first]][seg]
        offset = np.zeros(g.size)
        adjust = np.zeros(g.size)
        if rfid.any():
            pos = np.flatnonzero(rfid)
            cur = {}
            off_at = np.zeros(pos.size)
            for k, p in enumerate(pos):                  # counts are rare: a short loop
                s = seg[p]
                book = base[p] + cur.get(s, 0.0)
                new = v[p] if v[p] > 0 else min(book, 0.0)
                adjust[p] = new - book
                cur[s] = cur.get(s, 0.0) + adjust[p]
                off_at[k] = cur[s]
            marker = np.full(g.size, np.nan)
            marker[pos] = off_at
            # forward fill inside each segment (offset 0 before the first count)
            marker[start & np.isnan(marker)] = 0.0
            idx = np.where(~np.isnan(marker), np.arange(g.size), 0)
            idx = np.maximum.accumulate(idx)
            offset = marker[idx]
        ni = base + offset

        # inventory position without the pipeline's orders, and the (R, nQ) trigger
        d_ip = np.where(sale, -v, 0.0) + adjust
        ip0 = _segmented_cumsum(d_ip, start) + self.ip0[g[seg_first]][seg]
        R, Q = self.R[g], self.Q[g]
        lowers = sale | rfid
        need = np.where(lowers, np.maximum(0.0, np.floor((R - ip0) / Q) + 1), 0.0)
        carry_n = self.n_orders[g[seg_first]][seg]
        n = _segmented_max(need, start, carry_n)
        prev_n = np.concatenate([[0.0], n[:-1]])
        prev_n[start] = carry_n[start]
        new = n > prev_n
        ip = ip0 + Q * n
        if new.any() and record:
            po = {"ts": t[new], "node_id": g[new] // self.n_skus, "sku_id": g[new] % self.n_skus,
                  "qty": (n[new] - prev_n[new]) * Q[new], "inventory_position": ip[new], "event_id": eid[new]}
            self._po_parts.append(po)
            self._n_po += int(new.sum())
            self.store.insert("purchase_orders", po)

        # KPIs per window and group: demand, filled, last IP and NI
        w = (t // self.window).astype(np.int64)
        ni_before = ni + np.where(sale, v, 0.0)
        filled = np.where(sale, np.clip(ni_before, 0.0, v), 0.0)
        # events are sorted by group and, inside a group, by time, so each (window, group) is one
        # contiguous run: sums by np.add.reduceat over the runs, "last" values at each run's end
        first = np.flatnonzero(start | np.r_[True, w[1:] != w[:-1]])
        end = np.r_[first[1:], g.size] - 1
        self._kpi_parts.append({
            "window_start": w[first] * int(self.window), "g": g[first],
            "demand": np.add.reduceat(np.where(sale, v, 0.0), first),
            "filled": np.add.reduceat(filled, first), "inventory_position": ip[end],
            "net_inventory": ni[end], "orders": np.add.reduceat(new.astype(np.int64), first),
            "last_ts": t[end]})

        # carry the state
        last = np.r_[seg_first[1:] - 1, g.size - 1]
        gl = g[last]
        self.ni[gl] = ni[last]
        self.ip0[gl] = ip0[last]
        self.n_orders[gl] = n[last]
        np.add.at(self.sold, g[sale], v[sale])
        return int(new.sum())

    # -------------------------------------------------------------- anomalies and alerts
    def demand_rate(self, now: float) -> np.ndarray:
        """Observed demand per second of each (node, SKU) group (prior rate before a day of data)."""
        if self.t_first is None or now - self.t_first < 86400:
            return self.prior_rate.copy()
        return self.sold / (now - self.t_first)

    def _alerts(self, ids, ts, typ, node, sku, value, ship, record=True):
        rows = []
        # --- temperature: EWMA per node
        tm = np.flatnonzero(typ == _T["temperature"])
        by_node = tm[np.argsort(node[tm], kind="stable")]            # readings grouped by node, in time order
        nodes, first = np.unique(node[by_node], return_index=True)
        for nd, sel in zip(nodes, np.split(by_node, first[1:])):
            x = value[sel]
            calib = self._temp_calib[nd]
            if nd not in self._temp_state:
                take = min(self.calibration - len(calib), x.size)
                calib.extend(x[:take].tolist())
                sel, x = sel[take:], x[take:]
                if len(calib) >= self.calibration:
                    arr = np.asarray(calib)
                    med = float(np.median(arr))
                    sig = 1.4826 * float(np.median(np.abs(arr - med)))
                    self._temp_state[nd] = (med, max(sig, 1e-9), med, 0, False)
                if not x.size or nd not in self._temp_state:
                    continue
            mu0, s0, z_last, t_last, out_last = self._temp_state[nd]
            z, out, _ = _ewma(x, mu0, s0, self.lam, self.L, z_last, t_last)
            onset = out & ~np.concatenate([[out_last], out[:-1]])
            self._temp_state[nd] = (mu0, s0, float(z[-1]), t_last + x.size, bool(out[-1]))
            for i in np.flatnonzero(onset):
                e = sel[i]
                gs = nd * self.n_skus + np.arange(self.n_skus)
                ok = self.known[gs]
                rate = self.demand_rate(ts[e])[gs]
                impact = float(np.sum(ok * (self.unit_cost[gs] * np.maximum(self.ni[gs], 0)
                                            + self.shortage_cost[gs] * rate * self.lead_time[gs])))
                rows.append((ts[e], "temperature", nd, -1, -1, x[i], (z[i] - mu0) / s0, impact, ids[e]))

        # --- ETA drift and shocks: modified z-scores
        for kind in ("eta", "vibration"):
            sel = np.flatnonzero(typ == _T[kind])
            if not sel.size:
                continue
            if kind == "eta":
                # planned ETA = the shipment's first ETA event (the plan itself is not charted)
                shipments, first, inverse = np.unique(ship[sel], return_index=True, return_inverse=True)
                update = np.ones(sel.size, bool)
                for k, j in zip(shipments.tolist(), first.tolist()):
                    if k not in self._planned:
                        self._planned[k] = float(value[sel[j]])
                        self._ship_sent[k] = int(ts[sel[j]])
                        update[j] = False
                planned = np.array([self._planned[k] for k in shipments.tolist()])[inverse]
                xs = (value[sel] - planned) / 3600.0
                sel, xs = sel[update], xs[update]
                if not sel.size:
                    continue
            else:
                xs = value[sel]
            calib = self._robust[kind]
            if kind not in self._robust_par:
                take = min(self.calibration - len(calib), xs.size)
                calib.extend(xs[:take].tolist())
                sel, xs = sel[take:], xs[take:]
                if len(calib) >= self.calibration:
                    arr = np.asarray(calib)
                    med = float(np.median(arr))
                    self._robust_par[kind] = (med, float(np.median(np.abs(arr - med))))
                if not xs.size or kind not in self._robust_par:
                    continue
            med, mad = self._robust_par[kind]
            mz = modified_z(xs, med, mad)
            flag = mz > self.z_limit if kind == "eta" else np.abs(mz) > self.z_limit
            state = self._robust_out[kind]
            for j in np.flatnonzero(flag):
                e = sel[j]
                s = int(ship[e])
                if state.get(s):                         # already alerted for this shipment
                    continue
                state[s] = True
                gi = node[e] * self.n_skus + sku[e]
                rate = self.demand_rate(ts[e])[gi]
                stock = max(self.ni[gi], 0.0)
                if kind == "eta":
                    planned = max(self._planned.get(s, value[e]), ts[e])
                    late = max(value[e], ts[e])
                    units = poisson_loss(stock, rate * (late - ts[e])) - poisson_loss(stock, rate * (planned - ts[e]))
                    impact = float(self.shortage_cost[gi] * max(units, 0.0))
                else:
                    planned = max(self._planned.get(s, ts[e]), ts[e])
                    horizon = planned - ts[e]
                    qty = self.Q[gi]
                    units = (poisson_loss(stock, rate * (horizon + self.lead_time[gi]))
                             - poisson_loss(stock, rate * horizon))
                    impact = float(self.unit_cost[gi] * qty + self.shortage_cost[gi] * max(units, 0.0))
                rows.append((ts[e], "late_shipment" if kind == "eta" else "shock", node[e], sku[e], s,
                             xs[j], mz[j], impact, ids[e]))
        if rows and record:
            names = ("ts", "kind", "node_id", "sku_id", "shipment", "value", "score", "impact", "event_id")
            types = (np.int64, object, np.int64, np.int64, np.int64, float, float, float, np.int64)
            al = {c: np.array(col, dtype=t) for c, t, col in zip(names, types, zip(*rows))}
            self._alert_parts.append(al)
            self.store.insert("alerts", al)
        return len(rows)

    def _receipts(self, ts, typ, node, ship):
        """Lead time (order to receipt) and delay against the planned ETA of each received shipment."""
        sel = np.flatnonzero(typ == _T["receipt"])
        if not sel.size:
            return
        shipments = ship[sel].tolist()                   # a few per batch: look each one up
        sent = np.array([self._ship_sent.get(k, np.nan) for k in shipments], dtype=float)
        plan = np.array([self._planned.get(k, np.nan) for k in shipments], dtype=float)
        self._receipt_parts.append({
            "window_start": (ts[sel] // self.window).astype(np.int64) * int(self.window), "node_id": node[sel],
            "lead_time_hours": (ts[sel] - sent) / 3600.0, "delay_hours": (ts[sel] - plan) / 3600.0})

    def lead_time_kpis(self) -> pd.DataFrame:
        """Per window and node: shipments received, mean lead time (order to receipt, hours) and mean
        lead-time drift (receipt minus the planned ETA, hours; > 0 late).  Shipments whose order
        telemetry was not seen count as received with unknown (NaN) times."""
        cols = ["window_start", "node", "received", "lead_time_hours", "drift_hours"]
        if not self._receipt_parts:
            return pd.DataFrame(columns=cols)
        r = _concat(self._receipt_parts)
        out = r.groupby(["window_start", "node_id"], sort=True).agg(
            received=("lead_time_hours", "size"), lead_time_hours=("lead_time_hours", "mean"),
            drift_hours=("delay_hours", "mean")).reset_index()
        return self._names(out, sku_col="none")[cols]

    # -------------------------------------------------------------- results
    def _names(self, df, node_col="node_id", sku_col="sku_id"):
        df = df.copy()
        df.insert(df.columns.get_loc(node_col), "node",
                  [self.nodes[i] if i >= 0 else "" for i in df.pop(node_col)])
        if sku_col in df:
            df.insert(df.columns.get_loc("node") + 1, "sku",
                      [self.skus[i] if i >= 0 else "" for i in df.pop(sku_col)])
        return df

    def purchase_orders(self) -> pd.DataFrame:
        """Purchase orders triggered so far: ts, node, sku, qty, inventory_position (after), event_id."""
        if not self._po_parts:
            return pd.DataFrame(columns=["ts", "node", "sku", "qty", "inventory_position", "event_id"])
        po = _concat(self._po_parts).sort_values(["ts", "node_id", "sku_id"], kind="stable")
        return self._names(po.reset_index(drop=True))

    def alerts(self) -> pd.DataFrame:
        """Alerts ranked by expected cost if unresolved (``impact``, highest first)."""
        cols = ["ts", "kind", "node", "sku", "shipment", "value", "score", "impact", "event_id"]
        if not self._alert_parts:
            return pd.DataFrame(columns=cols)
        al = _concat(self._alert_parts)
        al = al.sort_values(["impact", "ts"], ascending=[False, True], kind="stable").reset_index(drop=True)
        return self._names(al)

    def kpis(self) -> pd.DataFrame:
        """Windowed KPIs per node and SKU: demand (units), demand_per_hour, filled (units served
        from stock), fill_rate, inventory_position and net_inventory at the window's last event,
        orders placed.  Lead-time KPIs: :meth:`lead_time_kpis`."""
        if not self._kpi_parts:
            return pd.DataFrame(columns=["window_start", "node", "sku", "demand", "demand_per_hour", "filled", "fill_rate",
                                         "inventory_position", "net_inventory", "orders"])
        k = _concat(self._kpi_parts)
        k = k.sort_values(["window_start", "g", "last_ts"], kind="stable")
        agg = k.groupby(["window_start", "g"], sort=True).agg(
            demand=("demand", "sum"), filled=("filled", "sum"), inventory_position=("inventory_position", "last"),
            net_inventory=("net_inventory", "last"), orders=("orders", "sum")).reset_index()
        with np.errstate(invalid="ignore", divide="ignore"):
            agg.insert(agg.columns.get_loc("filled") + 1, "fill_rate", agg["filled"] / agg["demand"])
        agg.insert(agg.columns.get_loc("demand") + 1, "demand_per_hour", agg["demand"] / (self.window / 3600.0))
        agg.insert(1, "node_id", agg["g"] // self.n_skus)
        agg.insert(2, "sku_id", agg.pop("g") % self.n_skus)
        return self._names(agg)

    def flush_kpis(self) -> pd.DataFrame:
        """Write the KPIs so far into the store's ``kpis`` table (replacing it); return them."""
        k = self.kpis()
        with self.store.transaction():
            self._write_kpis(k)
        return k

    def _write_kpis(self, k) -> None:
        self.store.con.execute("DELETE FROM kpis")
        if len(k):
            self.store.insert("kpis", {
                "window_start": k["window_start"].to_numpy(),
                "node_id": pd.Categorical(k["node"], self.nodes).codes,
                "sku_id": pd.Categorical(k["sku"], self.skus).codes,
                "demand": k["demand"].to_numpy(), "filled": k["filled"].to_numpy(),
                "fill_rate": k["fill_rate"].to_numpy(), "inventory_position": k["inventory_position"].to_numpy(),
                "net_inventory": k["net_inventory"].to_numpy(), "orders": k["orders"].to_numpy()})

    def state(self) -> pd.DataFrame:
        """Current net inventory, on order and inventory position of every (node, SKU)."""
        G = np.flatnonzero(self.known)
        ip = self.ip0[G] + self.Q[G] * self.n_orders[G]
        return pd.DataFrame({"node": [self.nodes[i // self.n_skus] for i in G],
                             "sku": [self.skus[i % self.n_skus] for i in G],
                             "net_inventory": self.ni[G], "on_order": ip - self.ni[G],
                             "inventory_position": ip, "reorder_point": self.R[G],
                             "orders_placed": self.n_orders[G].astype(int)})

    def open_orders(self) -> pd.DataFrame:
        """Purchase orders placed and not yet received, one row per order: ``shipment``, ``node``,
        ``sku``, ``qty``, ``ordered_ts``, ``eta`` (the latest ETA the carrier sent, seconds) and
        ``eta_updates`` (ETA events after the first, planned one; 0: only the plan is known).

        An order is matched to its shipment by the shipment's first ETA event, which the
        supplier sends when the order is placed (same time, node and SKU); an order whose
        telemetry was never seen keeps ``shipment = -1`` and the planned ETA (order time plus the
        policy's lead time).  Only events already applied count (those still waiting in the
        reorder window do not), so per (node, SKU) the quantities add up to :meth:`state`'s
        ``on_order``.
        """
        cols = ["shipment", "node", "sku", "qty", "ordered_ts", "eta", "eta_updates"]
        po = self.purchase_orders()
        if not len(po):
            return pd.DataFrame(columns=cols)
        ev = self.store.query(
            "SELECT e.event_id, e.ts, t.type, e.node_id, e.sku_id, e.value, e.shipment FROM events e "
            "JOIN types t USING (type_id) WHERE t.type IN ('eta', 'receipt') AND e.ts < ? "
            "ORDER BY e.ts, e.event_id", (float(self.frontier),))
        eta = ev[ev["type"] == "eta"]
        first = eta.groupby("shipment", sort=False).agg(ordered_ts=("ts", "first"), node_id=("node_id", "first"),
                                                         sku_id=("sku_id", "first"), eta=("value", "last"),
                                                         n_eta=("value", "size"))
        received = set(ev.loc[ev["type"] == "receipt", "shipment"].tolist())
        g = pd.Categorical(po["node"], self.nodes).codes * self.n_skus + pd.Categorical(po["sku"], self.skus).codes
        key = pd.Series(first.index.to_numpy(), index=pd.MultiIndex.from_arrays(
            [first["ordered_ts"].to_numpy(np.int64), (first["node_id"] * self.n_skus + first["sku_id"]).to_numpy()]))
        key = key[~key.index.duplicated()]
        ship = key.reindex(pd.MultiIndex.from_arrays([po["ts"].to_numpy(np.int64), g])).fillna(-1).to_numpy(np.int64)
        eta_s = first["eta"].reindex(ship).to_numpy(float)
        planned = po["ts"].to_numpy(float) + self.lead_time[g]
        out = pd.DataFrame({"shipment": ship, "node": po["node"].to_numpy(), "sku": po["sku"].to_numpy(),
                            "qty": po["qty"].to_numpy(float), "ordered_ts": po["ts"].to_numpy(np.int64),
                            "eta": np.where(np.isnan(eta_s), planned, eta_s),
                            "eta_updates": first["n_eta"].reindex(ship).fillna(1).to_numpy(np.int64) - 1})
        return out[~out["shipment"].isin(received)].reset_index(drop=True)

    def summary(self) -> dict:
        """Totals: events received / accepted (of which pending in the reorder window) / rejected (by
        reason), orders, alerts, fill rate."""
        k = self.kpis()
        demand = float(k["demand"].sum()) if len(k) else 0.0
        filled = float(k["filled"].sum()) if len(k) else 0.0
        return {"received": self.received, "accepted": self.accepted, "pending": self.pending,
                "rejected": sum(self.rejections.values()), "rejections": dict(self.rejections),
                "purchase_orders": self._n_po,
                "alerts": int(sum(len(a["ts"]) for a in self._alert_parts)),
                "fill_rate": filled / demand if demand else float("nan")}


# ----------------------------------------------------------------------------- dashboard
@dataclass(frozen=True)
class DashboardState:
    """What the control tower shows after replaying the stream up to ``until`` (seconds).

    ``node``/``sku`` are the drill-down selection (None = the whole network / all SKUs); the
    numbers cover that selection: ``events`` processed (whole stream), ``fill_rate`` (units served
    from stock / units demanded), ``inventory_position`` (sum over the selection),
    ``purchase_orders`` placed, ``alerts`` (ranked by impact) and ``top_impact`` (0 when none);
    ``kpis`` the windowed KPIs and ``trajectory`` the inventory position at each window end.
    """

    until: int
    node: str | None
    sku: str | None
    events: int
    fill_rate: float
    inventory_position: float
    purchase_orders: int
    alerts: pd.DataFrame = field(repr=False)
    top_impact: float
    kpis: pd.DataFrame = field(repr=False)
    rejected: int


def dashboard_state(events: pd.DataFrame, policy: pd.DataFrame, until: float, *, node: str | None = None,
                    sku: str | None = None, window_hours: float = 24.0) -> DashboardState:
    """Replay ``events`` with ``ts <= until`` through a new :class:`Pipeline` and summarise the
    selection (network, a node, or a node's SKU) for the dashboard."""
    until = check_real("until", until)
    pipe = Pipeline(policy, window_hours=window_hours)
    if node is not None and node not in pipe.nodes:
        raise ValueError(f"node must be one of {pipe.nodes} or None, got {node!r}")
    if sku is not None and sku not in pipe.skus:
        raise ValueError(f"sku must be one of {pipe.skus} or None, got {sku!r}")
    ts = pd.to_numeric(events["ts"], errors="coerce")
    cut = int(np.searchsorted(np.maximum.accumulate(ts.fillna(-np.inf).to_numpy()), until, side="right"))
    pipe.run(events.iloc[:cut], speed=6 * 3600.0)
    k = pipe.kpis()
    st = pipe.state()
    al = pipe.alerts()
    po = pipe.purchase_orders()
    sel_k = np.ones(len(k), bool)
    sel_s = np.ones(len(st), bool)
    sel_a = np.ones(len(al), bool)
    sel_p = np.ones(len(po), bool)
    if node is not None:
        sel_k &= (k["node"] == node).to_numpy()
        sel_s &= (st["node"] == node).to_numpy()
        sel_a &= (al["node"] == node).to_numpy()
        sel_p &= (po["node"] == node).to_numpy()
    if sku is not None:
        sel_k &= (k["sku"] == sku).to_numpy()
        sel_s &= (st["sku"] == sku).to_numpy()
        # node-wide alerts (temperature) concern every SKU of the node
        sel_a &= ((al["sku"] == sku) | (al["sku"] == "")).to_numpy()
        sel_p &= (po["sku"] == sku).to_numpy()
    kk = k[sel_k]
    demand = float(kk["demand"].sum())
    alerts = al[sel_a].reset_index(drop=True)
    return DashboardState(
        until=int(until), node=node, sku=sku, events=int(pipe.accepted),
        fill_rate=float(kk["filled"].sum()) / demand if demand else float("nan"),
        inventory_position=float(st.loc[sel_s, "inventory_position"].sum()),
        purchase_orders=int(sel_p.sum()), alerts=alerts,
        top_impact=float(alerts["impact"].iloc[0]) if len(alerts) else 0.0,
        kpis=kk.reset_index(drop=True), rejected=int(sum(pipe.rejections.values())))
