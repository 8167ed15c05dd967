"""The stages that build a whole batch pause the cyclic garbage collector, and always resume it."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from youyi_xl import collect, evaluate, load_plan
from youyi_xl.core import without_cyclic_gc

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "returns"


def test_paused_inside_resumed_after_even_on_an_error():
    seen = []

    @without_cyclic_gc
    def inner():
        seen.append(gc.isenabled())

    @without_cyclic_gc
    def outer(fail):
        inner()
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")

    assert gc.isenabled()
    outer(False)
    with pytest.raises(ValueError):
        outer(True)
    assert seen == [False, False, False, False] and gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        without_cyclic_gc(lambda: None)()
        assert not gc.isenabled()
    finally:
        gc.enable()


def _recording(module, name, seen, monkeypatch):
    original = getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)


def test_the_batch_stages_run_with_the_collector_paused(tmp_path, monkeypatch):
    """collect, load_plan and evaluate are the stages that build a whole batch."""
    from builders import write_return

    import youyi_xl.evaluation.scoring as scoring
    import youyi_xl.intake.folder as folder
    import youyi_xl.plan.attachments as attachments

    seen: list[bool] = []
    _recording(folder, "find_files", seen, monkeypatch)
    _recording(scoring, "county_records", seen, monkeypatch)
    _recording(attachments, "read_rulebook", seen, monkeypatch)
    plan = load_plan()
    write_return(tmp_path / "友谊镇.xlsx", unit="友谊镇")
    evaluate(collect(tmp_path, "2022-03", plan), plan)
    assert seen == [False, False, False] and gc.isenabled()


def test_the_outputs_are_written_with_the_collector_paused(tmp_path, monkeypatch):
    """The writers (成绩单, documents) run paused too, and the collector is back afterwards."""
    from builders import write_return

    import youyi_xl.outputs as outputs
    from youyi_xl import run

    seen: list[bool] = []
    _recording(outputs, "write_scorecard", seen, monkeypatch)
    _recording(outputs, "write_result_json", seen, monkeypatch)
    write_return(tmp_path / "in" / "友谊镇.xlsx", unit="友谊镇")
    run(tmp_path / "in", "2022-03", out=tmp_path / "out")
    assert seen == [False, False] and gc.isenabled()



class _Cycle:
    def __init__(self):
        self.me = self


def test_frozen_collector_frees_only_new_cycles_and_is_restored_even_on_an_error():
    """Under frozen_cyclic_gc a cycle made before is left to the end; one made inside is freed by
    collect_new; afterwards nothing stays frozen and the collector runs as before."""
    import weakref

    from youyi_xl.core import collect_new, frozen_cyclic_gc

    before = _Cycle()
    old = weakref.ref(before)
    seen = []

    @frozen_cyclic_gc
    def work(fail):
        nonlocal before
        before = None               # garbage, but frozen: a collection passes it over
        new = weakref.ref(_Cycle())
        seen.append((gc.isenabled(), new() is not None))
        collect_new()
        seen.append((new() is None, old() is not None, gc.get_freeze_count() > 0))
        if fail:
            raise ValueError("boom")

    with pytest.raises(ValueError):
        work(True)
    assert seen == [(False, True), (True, True, True)]
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.collect()
    assert old() is None


def test_a_callers_own_freeze_is_kept():
    from youyi_xl.core import frozen_cyclic_gc

    gc.freeze()
    try:
        before = gc.get_freeze_count()
        frozen_cyclic_gc(lambda: None)()
        assert gc.get_freeze_count() >= before > 0 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_collect_new_does_nothing_unless_frozen(monkeypatch):
    from youyi_xl.core import collect_new

    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(a))
    collect_new()                              # the collector runs as usual: it frees cycles itself
    gc.disable()
    try:
        collect_new()                          # paused, nothing frozen: a collection would walk all
    finally:
        gc.enable()
    assert calls == []


def test_the_scorecards_closed_workbook_is_freed_before_its_ledgers_are_made(tmp_path):
    """Under run the collector is paused: the xlsxwriter workbook (every cell of the rankings,
    held in cycles) is freed once closed, before the ledgers' rows are made and spliced."""
    import weakref

    import xlsxwriter

    from youyi_xl import collect, evaluate, load_plan
    from youyi_xl.core import frozen_cyclic_gc
    from youyi_xl.outputs import write_scorecard

    plan = load_plan()
    result = evaluate(collect(EXAMPLES / "2022-03", "2022-03", plan), plan)
    books, alive = [], []
    real = xlsxwriter.Workbook.__init__

    def recording(self, *args, **kwargs):
        books.append(weakref.ref(self))
        real(self, *args, **kwargs)

    xlsxwriter.Workbook.__init__ = recording
    try:
        frozen_cyclic_gc(write_scorecard)(result, tmp_path / "s.xlsx",
                                          before_ledgers=lambda: alive.append(books[0]() is not None))
    finally:
        xlsxwriter.Workbook.__init__ = real
    assert len(books) == 1 and alive == [False]


def test_splice_never_holds_a_tables_rows(tmp_path, monkeypatch):
    """A table with a source is made a chunk at a time while its sheet is written, never as a
    whole list, here or in the forked children that make its slices (made there from the
    source: with children this process reads no row); the dimension and filter still reach
    its last row."""
    import weakref

    from openpyxl import load_workbook

    import youyi_xl.outputs.bigsheet as bigsheet
    from youyi_xl.outputs.bigsheet import BigTable, splice

    class Row(list):
        __hash__ = object.__hash__

    alive, most, starts = weakref.WeakSet(), [0], []

    def source(start, n):
        starts.append((n, start))
        for i in range(start, 5000 + n):
            row = Row([f"{n}-{i}", i])
            alive.add(row)
            most[0] = max(most[0], len(alive))
            yield row

    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 3000)
    monkeypatch.setattr(bigsheet, "_children", lambda: 2)
    opened = _spliced_pair(tmp_path / "forked.xlsx", source, BigTable, splice)
    assert starts == [] and most == [0]         # every slice made in a child
    monkeypatch.setattr(bigsheet, "_children", lambda: 0)
    path = tmp_path / "t.xlsx"
    _spliced_pair(path, source, BigTable, splice)
    assert starts == [(0, 0), (0, 2500), (1, 0), (1, 2500)]     # made here, a slice after another
    assert 0 < most[0] <= 2001                  # a chunk of rows at most, never a table
    for opened in (load_workbook(path), opened):
        assert [opened[name].max_row for name in ("甲", "乙")] == [5001, 5002]
        assert [c.value for c in opened["乙"][5002]] == ["1-5000", 5000]
        assert opened["乙"].auto_filter.ref == "A1:B5002" and opened["甲"]["B2501"].value == 2499


def _spliced_pair(path, source, BigTable, splice):
    """Sheets 甲 (5,000 rows) and 乙 (5,001) from `source`, spliced into a workbook at `path`."""
    import xlsxwriter
    from openpyxl import load_workbook

    book = xlsxwriter.Workbook(str(path))
    fmt = book.add_format({"border": 1})
    tables = []
    for n, name in enumerate(("甲", "乙")):
        sheet = book.add_worksheet(name)
        table = BigTable(sheet, 1, [fmt, fmt], [], (), (), lambda start, n=n: source(start, n), 5000 + n)
        table.reserve()
        sheet.autofilter(0, 0, table.last_row, 1)
        tables.append(table)
    book.close()
    for table in tables:
        table.detach()
    splice(path, tables, type(None))
    return load_workbook(path)


def test_batch_rows_from_a_start_pass_over_the_returns_before_it():
    from types import SimpleNamespace

    from youyi_xl.intake import Batch

    returns = [SimpleNamespace(records=lambda t, n=n: tuple(f"{n}.{i}" for i in range(n))) for n in (3, 0, 2, 4)]
    batch = SimpleNamespace(accepted=returns)
    every = list(Batch.rows(batch, "projects"))
    assert len(every) == 9
    assert all(list(Batch.rows(batch, "projects", start=k)) == every[k:] for k in range(11))

# --------------------------------------------------------------------------
# records unpickled from workers share the values many returns repeat
# --------------------------------------------------------------------------

def _table(unit: str, rows: list[tuple]):
    from youyi_xl.core.schema import PLANNED
    from youyi_xl.intake import TableRead

    records = tuple(PLANNED.make_record({"name": name, "total_investment": amount, "chain": chain,
                                         "plan_date": day}, unit=unit, row=4 + i)
                    for i, (name, amount, chain, day) in enumerate(rows))
    return TableRead("planned", "拟落地项目", 2, {"name": 1}, True, records)


def _round_trip(value):
    import pickle

    return pickle.loads(pickle.dumps(value))


def test_records_unpickled_in_a_collect_share_equal_texts_and_dates_and_nothing_else_changes():
    import datetime as dt

    from youyi_xl.intake.returndata import shared_values

    rows = [("甲项目", 1.0, "绿色食品", dt.date(2022, 3, 1)), ("乙项目", -0.0, "绿色食品", dt.date(2022, 3, 1))]
    first, second = _table("友谊镇", rows), _table("兴隆镇", [(*rows[0][:1], True, *rows[0][2:])])
    with shared_values():
        a, b = _round_trip(first), _round_trip(second)
    assert a == first and b == second
    assert [type(r.total_investment) for r in (*a.records, *b.records)] == [float, float, bool]
    assert str(a.records[1].total_investment) == "-0.0"          # 0.0 == -0.0: never shared with 0.0
    assert b.records[0].total_investment is True                 # True == 1.0: a flag stays a flag
    assert a.records[0].chain is a.records[1].chain is b.records[0].chain
    assert a.records[0].plan_date is b.records[0].plan_date and a.records[0].sheet is b.records[0].sheet
    plain_a, plain_b = _round_trip(first), _round_trip(second)     # outside a collect: copies, as pickle makes
    assert plain_a == first and plain_a.records[0].chain is not plain_b.records[0].chain


def test_a_column_of_many_different_texts_stops_being_shared(monkeypatch):
    """A column that has met SHARED_PER_COLUMN different values (names) is left as pickle made it;
    the other columns go on sharing."""
    import datetime as dt

    from youyi_xl.intake import returndata
    from youyi_xl.intake.returndata import shared_values

    monkeypatch.setattr(returndata, "SHARED_PER_COLUMN", 3)
    day = dt.date(2022, 3, 1)
    names = [("甲", "乙"), ("丙", "丁"), ("甲", "乙")]
    tables = [_table(f"单位{k}", [(name, 1.0, "绿色食品", day) for name in pair]) for k, pair in enumerate(names)]
    with shared_values():
        back = [_round_trip(t) for t in tables]
    assert back == tables and returndata._shared is None       # the pool lives only for the block
    assert back[2].records[0].name == back[0].records[0].name and back[2].records[0].name is not back[0].records[0].name
    assert back[2].records[0].chain is back[0].records[0].chain
    empty = _round_trip(returndata.TableRead("planned", "拟落地项目", 2, {}, False))
    assert empty.records == () and not empty.ok


def test_figures_are_shared_across_returns_but_never_across_types():
    """Floats are shared (pickle makes every 0.0 its own object; a province's rows repeat 0 and
    round figures); -0.0 stays -0.0; a record's identity key survives the round trip."""
    import datetime as dt

    from youyi_xl.core.schema import PROJECTS
    from youyi_xl.intake import TableRead
    from youyi_xl.intake.returndata import shared_values

    day = dt.date(2022, 3, 1)
    zero = float("0")
    tables = [_table(unit, [(f"{unit}项目", amount, "绿色食品", day), (f"{unit}二期", zero * sign, "绿色食品", day)])
              for unit, amount, sign in (("友谊镇", 3000.0, 1), ("兴隆镇", 3000.0, -1), ("庆丰乡", 1500.0, 1))]
    projects = [TableRead("projects", "招商引资项目", 2, {"name": 1}, True, (
        PROJECTS.make_record({"name": f"{unit}（1期）", "investor": "某某（集团）公司"}, unit=unit, row=4),))
        for unit in ("友谊镇", "兴隆镇")]
    with shared_values():
        back = [_round_trip(t) for t in tables]
        deals = [_round_trip(t) for t in projects]
    assert back == tables and deals == projects
    amounts = [[r.total_investment for r in t.records] for t in back]
    assert amounts[0][0] is amounts[1][0] and amounts[2][0] == 1500.0
    assert amounts[0][1] is amounts[2][1] and str(amounts[1][1]) == "-0.0" and amounts[1][1] is not amounts[0][1]
    first, second = (t.records[0] for t in deals)
    assert first.investor is second.investor and first.identity != second.identity


def test_a_record_holds_the_key_of_its_identity_not_the_compact_texts(tmp_path):
    """A return's rows carry one number for what compares them as a project (its name and
    investor, compacted): rows that differ only by full-width forms, spaces or invisible
    characters get the same key; the compact texts themselves are not kept in the record."""
    from builders import project, write_return

    from youyi_xl.core import Period, identity_key, identity_of
    from youyi_xl.intake import read_return
    from youyi_xl.intake.checks import check_return
    from youyi_xl.plan import load_plan

    plan = load_plan()
    path = write_return(tmp_path / "友谊镇.xlsx", unit="友谊镇", projects=[
        project(name="友谊县冷链物流项目（一期）", investor="某某（集团）公司"),
        project(name="友谊县冷链物流项目 (一期)", investor="某某(集团)\u200b公司"),
        project(name="友谊县冷链物流项目（二期）", investor="某某（集团）公司")])
    ret = read_return(path, plan, Period.parse("2022-03"))
    first, second, third = ret.records("projects")
    assert type(first.identity) is int and 0 < first.identity < 2 ** 59
    assert first.identity == second.identity != third.identity
    assert identity_key(identity_of(first, "projects")) == first.identity
    assert identity_of(first, "projects") == ("友谊县冷链物流项目(一期)", "某某(集团)公司")
    check_return(ret, plan, Period.parse("2022-03"))
    assert [i.row for i in ret.issues if i.code == "project-duplicate"] == [second.row]


def test_the_unit_records_share_their_column_names(tmp_path):
    """Every unit record holds the same key objects (k__target … k__points), not a copy each."""
    from builders import write_return

    from youyi_xl import evaluate
    from youyi_xl.intake import collect
    from youyi_xl.plan import load_plan

    plan = load_plan()
    write_return(tmp_path / "友谊镇.xlsx", unit="友谊镇")
    first, second = evaluate(collect(tmp_path, "2022-03", plan), plan).unit_records[:2]
    keys = [k for k in first if "__" in k]
    assert keys and [k for k in second if "__" in k] == keys
    assert all(a is b for a, b in zip(keys, (k for k in second if "__" in k)))


def test_the_tables_both_writers_read_are_made_before_the_documents_fork(tmp_path, monkeypatch):
    """The 成绩单 (here) and the 通报 (in the forked child) both read the county, chain and key
    project tables: they exist before the child starts, so pandas is imported and they are made once."""
    from builders import write_return

    from youyi_xl import pipeline, run

    seen: list[set] = []
    real = pipeline._Background.__init__

    def recording(self, fn, *args, large):
        seen.append({name for name in pipeline.SHARED_FRAMES if name in vars(args[0])})
        real(self, fn, *args, large=large)

    monkeypatch.setattr(pipeline._Background, "__init__", recording)
    write_return(tmp_path / "in" / "友谊镇.xlsx", unit="友谊镇")
    run(tmp_path / "in", "2022-03", out=tmp_path / "out")
    assert seen == [set(pipeline.SHARED_FRAMES)]


def test_the_notice_ranks_from_the_fields_it_reads_only():
    """The ranking words read a unit's ranking fields and its indicators' 序时完成率 and points; the
    rest of its ~90 values stay unread (each value read is a page copied into the forked child)."""
    from youyi_xl.outputs.notice.context import _ranked_fields
    from youyi_xl.plan import load_plan

    indicators = load_plan().indicators
    key = indicators[0].key
    unit = {"unit": "友谊镇", "rank": 1, "provisional": False, f"{key}__time_rate": 0.5, f"{key}__points": 3.0,
            f"{key}__target": 10.0, f"{key}__colour": "red", "vetoed": False}
    (picked,) = _ranked_fields([unit], indicators)
    assert picked == {"unit": "友谊镇", "rank": 1, "provisional": False, f"{key}__time_rate": 0.5,
                      f"{key}__points": 3.0}          # and a field the record lacks is not made up


@pytest.mark.parametrize("period", ["2022-03", "2022-06"])
def test_the_notice_ranking_from_its_fields_equals_the_ranking_from_whole_records(period):
    """RANKED_FIELDS keeps up with what ranking.ranked and evaluation.behind read: on the examples
    (units missing, returns with errors, provisional ranks) the groups are the same either way."""
    from youyi_xl.outputs.notice import ranking
    from youyi_xl.outputs.notice.context import _ranked_fields, plain

    plan = load_plan()
    result = evaluate(collect(EXAMPLES / period, period, plan), plan)
    whole = ranking.groups(plain(result.unit_records), plan.indicators, None)
    assert any(u["lagging"] or u["provisional"] or u["status"] == "missing" for g in whole for u in g["ranking"])
    assert ranking.groups(plain(_ranked_fields(result.unit_records, plan.indicators)), plan.indicators, None) == whole


def test_free_memory_is_handed_back_where_the_c_library_can(monkeypatch):
    """Before a fork the C heap's free pages go back to the system (glibc); where there is no
    malloc_trim (Windows, macOS, musl) nothing happens and nothing fails."""
    import ctypes.util
    import sys

    from youyi_xl.core import memory

    glibc = sys.platform.startswith("linux") and memory._malloc_trim() is not None
    assert memory.release_free_memory() is glibc
    memory._malloc_trim.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)      # no C library found
    try:
        assert memory._malloc_trim() is None and memory.release_free_memory() is False
    finally:
        memory._malloc_trim.cache_clear()
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert memory.release_free_memory() is False
