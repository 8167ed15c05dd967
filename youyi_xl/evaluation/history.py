"""History across periods: each run is recorded in `youyi.db` (stdlib sqlite3) in the output folder.

`record()` stores a period's per-unit indicators, scores and ranks and the files used (with
their SHA-256); re-running a period replaces it. `compare()` gives the change against the
latest earlier period in the database (较上期: rank up/down, newly signed projects), which the
scorecard and the notice show. `unit_history()` is what `youyi-xl history` prints.

`run` never writes the output folder's database in place: it copies it into its staging folder
(`copy_history`), records the period there, and the copy replaces the database with the rest of
the period's outputs (outputs/publish.py). Reading opens the database read-only. A database
another program holds locked is said to be in use, not damaged.
"""
from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..core import DB_NAME, OutputError, Period

SCHEMA = """
CREATE TABLE IF NOT EXISTS periods (
    period TEXT PRIMARY KEY, time_progress REAL NOT NULL, units INTEGER NOT NULL,
    submitted INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS unit_scores (
    period TEXT NOT NULL, unit TEXT NOT NULL, grp TEXT NOT NULL, status TEXT NOT NULL,
    points REAL, deduction REAL, score REAL, rank INTEGER, rank_label TEXT, colour TEXT,
    file TEXT, PRIMARY KEY (period, unit));
CREATE TABLE IF NOT EXISTS unit_indicators (
    period TEXT NOT NULL, unit TEXT NOT NULL, indicator TEXT NOT NULL, target REAL, actual REAL,
    rate REAL, time_rate REAL, colour TEXT, PRIMARY KEY (period, unit, indicator));
CREATE TABLE IF NOT EXISTS county (
    period TEXT NOT NULL, indicator TEXT NOT NULL, target REAL, actual REAL,
    PRIMARY KEY (period, indicator));
CREATE TABLE IF NOT EXISTS unit_verdicts (
    period TEXT NOT NULL, unit TEXT NOT NULL, advanced INTEGER NOT NULL, lagging INTEGER NOT NULL,
    PRIMARY KEY (period, unit));
CREATE TABLE IF NOT EXISTS files (
    period TEXT NOT NULL, file TEXT NOT NULL, unit TEXT, sha256 TEXT NOT NULL, used INTEGER NOT NULL,
    PRIMARY KEY (period, file));
"""
_TABLES = ("periods", "unit_scores", "unit_indicators", "county", "unit_verdicts", "files")
MISSING = "missing"


@dataclass
class Comparison:
    """The change of each unit (and the county) against an earlier period."""

    previous: Period
    rank_change: dict[str, int] = field(default_factory=dict)     # + moved up, − moved down
    previous_rank: dict[str, int] = field(default_factory=dict)
    previous_score: dict[str, float] = field(default_factory=dict)
    new_signed: dict[str, float] = field(default_factory=dict)    # the headline indicator's growth since then
    headline: str = ""                                             # the plan's first indicator (its key)
    county_new: dict[str, float] = field(default_factory=dict)    # county actual minus the previous one
    previous_status: dict[str, str] = field(default_factory=dict)  # submitted / missing / errors then
    previous_lagging: dict[str, bool] = field(default_factory=dict)  # 后进 then (units recorded with verdicts)

    def change_text(self, unit: str, status: str) -> str:
        """较上期 as the 成绩单 prints it: ↑2 / ↓1 / 持平; 本期未报送, 上期未报送 or 连续两期未报送 where
        a rank moved only because a return was missing; — where the unit had no rank then."""
        if status == MISSING:
            return "连续两期未报送" if self.previous_status.get(unit) == MISSING else "本期未报送"
        if self.previous_status.get(unit) == MISSING:
            return "上期未报送"
        change = self.rank_change.get(unit)
        if change is None:
            return "—"
        return "持平" if change == 0 else f"{'↑' if change > 0 else '↓'}{abs(change)}"

    def comparable(self, unit: str, status: str) -> bool:
        """Whether the unit's rank change means something (both periods reported and ranked)."""
        return (status != MISSING and self.previous_status.get(unit) not in (None, MISSING)
                and unit in self.rank_change)

    def describe_rank(self, unit: str) -> str:
        """较上期排名上升2位 / 下降1位 / 持平 / '' when the unit was not ranked before."""
        change = self.rank_change.get(unit)
        if change is None:
            return ""
        if change == 0:
            return "排名与上期持平"
        return f"排名较上期{'上升' if change > 0 else '下降'}{abs(change)}位"


@dataclass
class Rerun:
    """A period run again (after units corrected their returns): the units whose 名次 or
    status differs from the one last recorded for the same period."""

    period: Period
    moved: list[tuple[str, str, str]] = field(default_factory=list)   # unit, then, now

    def lines(self) -> list[str]:
        """与本期上次汇总相比 … in the words of the 成绩单 (暂列第N名 while 数据有误)."""
        if not self.moved:
            return [f"与{self.period.dash_label}上次汇总相比，各单位名次没有变化"]
        return [f"与{self.period.dash_label}上次汇总相比，{len(self.moved)}个单位名次有变化："] + [
            f"  {unit}：{then} → {now}" for unit, then, now in self.moved]

    def to_json(self) -> list[dict[str, str]]:
        return [{"unit": unit, "before": then, "now": now} for unit, then, now in self.moved]


def standing(rank_label: str, status: str) -> str:
    """How a unit stood: 第3名, 暂列第6名 (数据有误, rank provisional), 未报送, 不参评."""
    if status == MISSING:
        return "未报送"
    if status == "errors" and rank_label.startswith(("第", "并列")):
        return f"暂列{rank_label}"
    return rank_label


def rerun(result: Any, folder: str | Path) -> Rerun | None:
    """The change of `result` against the same period as last recorded in the folder's
    youyi.db (None when the period was not run into this folder before)."""
    if not (Path(folder) / DB_NAME).exists():
        return None
    with connect(folder, readonly=True) as db:
        if not _has_table(db, "unit_scores"):
            return None
        before = {u: standing(label or "", status) for u, label, status in db.execute(
            "SELECT unit, rank_label, status FROM unit_scores WHERE period = ?", (result.period.key,))}
    if not before:
        return None
    change = Rerun(result.period)
    for r in result.unit_records:
        now = standing(r["rank_label"] or "", r["status"])
        then = before.get(r["unit"], "（上次无此单位）")
        if then != now:
            change.moved.append((r["unit"], then, now))
    return change


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    """Whether the database has the table (an empty file, or one written before it existed)."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


DB_TIMEOUT = 5.0          # seconds to wait for a database another program holds locked


@contextlib.contextmanager
def connect(folder: str | Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    path = Path(folder) / DB_NAME
    try:
        db = sqlite3.connect(path.resolve().as_uri() + ("?mode=ro" if readonly else ""), uri=True,
                             timeout=DB_TIMEOUT)
    except sqlite3.Error as exc:
        raise OutputError(db_problem(path, exc)) from exc
    try:
        if not readonly:
            db.executescript(SCHEMA)
        with db:
            yield db
    except sqlite3.Error as exc:
        raise OutputError(db_problem(path, exc)) from exc
    finally:
        db.close()


def db_problem(path: Path, exc: sqlite3.Error) -> str:
    """One Chinese line for a database failure: in use, disk full, read-only, damaged."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary, text = (code & 0xFF if isinstance(code, int) else None), str(exc).lower()
    if primary in (5, 6) or "locked" in text:                 # SQLITE_BUSY, SQLITE_LOCKED
        return (f"历史数据库“{path}”正被其他程序使用（如在数据库工具中打开，或另一个 youyi-xl 正在运行），"
                "请关闭后重新运行")
    if primary == 13 or "disk is full" in text:               # SQLITE_FULL
        return f"无法写入历史数据库“{path}”：磁盘空间不足"
    if primary == 8 or "readonly" in text:                    # SQLITE_READONLY
        return f"无法写入历史数据库“{path}”：文件只读或没有权限"
    if primary in (11, 26) or "malformed" in text or "not a database" in text:   # CORRUPT, NOTADB
        return (f"历史数据库“{path}”已损坏，无法读取（{exc}）：请把它改名保存（如 youyi.db.bak，交技术人员查看）"
                "后重新运行，各期记录将从本期重新开始")
    return f"无法读写历史数据库“{path}”：{exc}"


def copy_history(folder: str | Path, target: str | Path) -> None:
    """Copy the folder's youyi.db (if any) into the folder `target`, consistently (SQLite's
    backup, which waits for a writer to finish), for a run to record its period in."""
    if not (Path(folder) / DB_NAME).exists():
        return
    destination = Path(target) / DB_NAME
    with connect(folder, readonly=True) as source:
        try:
            copy = sqlite3.connect(destination)
            try:
                source.backup(copy)
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise OutputError(db_problem(destination, exc)) from exc


def record(result: Any, folder: str | Path) -> Path:
    """Store (or replace) the period of `result` in the folder's youyi.db."""
    period = result.period.key
    with connect(folder) as db:
        for table in _TABLES:
            db.execute(f"DELETE FROM {table} WHERE period = ?", (period,))
        counts = result.batch.counts
        db.execute("INSERT INTO periods VALUES (?, ?, ?, ?, ?, ?)",
                   (period, result.time_progress, len(result.unit_records), counts["submitted"],
                    counts["error"], counts["warning"]))
        db.executemany("INSERT INTO unit_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [_score_row(period, r) for r in result.unit_records])
        db.executemany("INSERT INTO unit_indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [row for r in result.unit_records
                        for row in _indicator_rows(period, r, [i.key for i in result.plan.indicators])])
        db.executemany("INSERT INTO county VALUES (?, ?, ?, ?)",
                       [(period, r["indicator"], r["target"], r["actual"]) for r in result.county_records])
        db.executemany("INSERT INTO unit_verdicts VALUES (?, ?, ?, ?)",
                       [(period, r["unit"], int(bool(r["advanced"])), int(bool(r["lagging"])))
                        for r in result.unit_records])
        db.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)", _file_rows(period, result.batch))
    return Path(folder) / DB_NAME


def _score_row(period: str, r: dict[str, Any]) -> tuple:
    return (period, r["unit"], r["group"], r["status"], r["points"], r["deduction"], r["score"],
            r["rank"], r["rank_label"], r["colour"], r["file"])


def _indicator_rows(period: str, r: dict[str, Any], keys: list[str]) -> Iterator[tuple]:
    for key in keys:
        yield (period, r["unit"], key, r[f"{key}__target"], r[f"{key}__actual"], r[f"{key}__rate"],
               r[f"{key}__time_rate"], r[f"{key}__colour"])


def _file_rows(period: str, batch: Any) -> list[tuple]:
    rows = {}
    for used, returns in ((1, batch.returns), (0, batch.superseded)):
        for ret in returns:
            rows[ret.file] = (period, ret.file, ret.unit or "", ret.sha256, used)
    return list(rows.values())


def previous_period(folder: str | Path, period: Period) -> Period | None:
    """The latest period recorded before `period`, if any."""
    if not (Path(folder) / DB_NAME).exists():
        return None
    with connect(folder, readonly=True) as db:
        if not _has_table(db, "periods"):
            return None                                # an empty file: no period recorded
        row = db.execute("SELECT MAX(period) FROM periods WHERE period < ?", (period.key,)).fetchone()
    return Period.parse(row[0]) if row and row[0] else None


def compare(result: Any, folder: str | Path) -> Comparison | None:
    """The change of `result` against the latest earlier period in the folder's database."""
    before = previous_period(folder, result.period)
    if before is None:
        return None
    headline = result.plan.indicators[0].key
    with connect(folder, readonly=True) as db:
        rows = list(db.execute("SELECT unit, rank, score, status FROM unit_scores WHERE period = ?",
                               (before.key,)))
        verdicts = _previous_verdicts(db, before)
        signed = dict(db.execute("SELECT unit, actual FROM unit_indicators WHERE period = ? "
                                 "AND indicator = ?", (before.key, headline)))
        county = dict(db.execute("SELECT indicator, actual FROM county WHERE period = ?", (before.key,)))
    scores = {u: (rank, score) for u, rank, score, _ in rows}
    comp = _comparison(result, before, scores, signed, county)
    comp.previous_status = {u: status for u, _, _, status in rows}
    comp.previous_lagging = {u: bool(flag) for u, flag in verdicts.items()}
    return comp


def _previous_verdicts(db: sqlite3.Connection, before: Period) -> dict[str, int]:
    """后进 flags of the earlier period; none from a youyi.db written before verdicts were kept."""
    if not _has_table(db, "unit_verdicts"):
        return {}
    return dict(db.execute("SELECT unit, lagging FROM unit_verdicts WHERE period = ?", (before.key,)))


def _comparison(result, before, scores, signed, county) -> Comparison:
    headline = result.plan.indicators[0].key
    comp = Comparison(before, headline=headline)
    for r in result.unit_records:
        rank, score = scores.get(r["unit"], (None, None))
        if rank is not None and r["rank"] is not None:
            comp.previous_rank[r["unit"]] = rank
            comp.rank_change[r["unit"]] = rank - r["rank"]
        if score is not None:
            comp.previous_score[r["unit"]] = score
        comp.new_signed[r["unit"]] = (r[f"{headline}__actual"] or 0) - (signed.get(r["unit"]) or 0)
    for r in result.county_records:
        comp.county_new[r["indicator"]] = (r["actual"] or 0) - (county.get(r["indicator"]) or 0)
    return comp


def unit_history(folder: str | Path, unit: str | None = None, indicator: str = "signed_projects"):
    """Every recorded period of one unit (or of all units) as a DataFrame, oldest first, with the
    actual of one indicator (the plan's first, as the CLI passes it) in column `indicator`, and
    较上期: `rank_change` (+ moved up) and `change` (上升2位, 持平, 首期 …)."""
    import pandas as pd

    query = ("SELECT s.period, s.unit, s.grp AS 'group', s.status, s.score, s.rank, s.rank_label, "
             "i.actual AS indicator FROM unit_scores s LEFT JOIN unit_indicators i "
             "ON i.period = s.period AND i.unit = s.unit AND i.indicator = ?")
    params: tuple = (indicator,)
    if unit:
        query += " WHERE s.unit = ?"
        params = (indicator, unit)
    with connect(folder, readonly=True) as db:      # sqlite3 itself: its errors say locked or damaged
        cursor = db.execute(query + " ORDER BY s.unit, s.period", params)
        frame = pd.DataFrame(cursor.fetchall(), columns=[c[0] for c in cursor.description])
    frame["rank"] = frame["rank"].astype("Int64")
    frame["rank_change"] = (frame.groupby("unit")["rank"].shift(1) - frame["rank"]).astype("Int64")
    first = frame.groupby("unit").cumcount() == 0
    frame["change"] = [describe_change(c, f, s == "missing")
                       for c, f, s in zip(frame["rank_change"], first, frame["status"])]
    return frame


def describe_change(change: Any, first: bool = False, missing: bool = False) -> str:
    """较上期 in a table cell: 上升2位 / 下降1位 / 持平; 未报送 when the unit sent nothing this
    period (nothing to compare); 首期 for its first recorded period; 未排名 when this period or
    the one before had no rank (不参评)."""
    import pandas as pd

    if missing:
        return "未报送"
    if first:
        return "首期"
    if pd.isna(change):
        return "未排名"
    change = int(change)
    return "持平" if change == 0 else f"{'上升' if change > 0 else '下降'}{abs(change)}位"
