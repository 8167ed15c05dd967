"""A bounded, seeded fuzz test: hostile variants of real files go through `collect`.

Mutants are made from (a) the files of the shared corpus and (b) return forms made by
`youyi_xl.outputs.forms` for three units, two of them filled like a unit would (tests/filling.py).
`tests/fuzzing.py` holds the mutations (byte flips, truncation, deleted or duplicated zip
members, swapped cell types, formulas without values, wild row/column references, odd
unicode and control characters ...). Each mutant is alone in its own folder and goes
through `youyi_xl.intake.folder.collect` in a child process with a 1 GiB address-space limit
and 10 s per folder. The test fails on an uncaught exception, a traceback, a hang or a
crash (signal); the failing mutant is saved with its seed.

Environment:
  YOUYI_FUZZ_SEED   master seed (default 20220224)
  YOUYI_FUZZ_COUNT  number of mutants (default 2000)
  YOUYI_FUZZ_ONLY   comma-separated mutant indexes: rerun just these (reproduce a failure)
  YOUYI_FUZZ_KEEP   folder where failing mutants are saved (default $TMPDIR/youyi-fuzz)
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from filling import fill_form, sample_return
from fuzzing import (CORPUS, MUTATIONS, ChildPool, Source, canonical_zip, corpus_files, make_mutant,
                     mutate)
from youyi_xl.outputs.forms import make_forms
from youyi_xl.core.period import Period
from youyi_xl.plan.attachments import load_plan

MASTER_SEED = int(os.environ.get("YOUYI_FUZZ_SEED", "20220224"))
COUNT = int(os.environ.get("YOUYI_FUZZ_COUNT", "800"))     # YOUYI_FUZZ_COUNT=5000 for a long run
ONLY = [int(i) for i in os.environ.get("YOUYI_FUZZ_ONLY", "").split(",") if i.strip()]
KEEP = Path(os.environ.get("YOUYI_FUZZ_KEEP", Path(tempfile.gettempdir()) / "youyi-fuzz"))
WORKERS = 2
RETURN_SHARE = 0.5        # about half of the mutants start from a generated return

needs_posix = pytest.mark.skipif(os.name != "posix", reason="child limits need POSIX resource limits")


def generated_returns(folder: Path) -> list[Source]:
    """Forms for a township and two departments; the first two filled with sample values."""
    plan, period = load_plan(), Period.parse("2022-03")
    units = [plan.group("乡镇")[0].name, *[u.name for u in plan.group("部门")[:2]]]
    paths = make_forms(plan, period, folder, units)
    for path, unit in zip(paths[:2], units):
        fill_form(path, **sample_return(plan, unit, period))
    return [Source(f"generated/{p.name}", p.name, canonical_zip(p.read_bytes())) for p in paths]


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> list[Source]:
    returns = generated_returns(tmp_path_factory.mktemp("forms"))
    corpus = [Source(p.relative_to(CORPUS).as_posix(), p.name, p.read_bytes()) for p in corpus_files()]
    if corpus:    # weights so that the two groups are drawn about equally often
        returns = [Source(s.label, s.name, s.data, RETURN_SHARE * len(corpus) / len(returns))
                   for s in returns]
        corpus = [Source(s.label, s.name, s.data, 1 - RETURN_SHARE) for s in corpus]
    return returns + corpus


def test_mutants_are_reproducible(sources):
    first = [make_mutant(sources, MASTER_SEED, i) for i in range(20)]
    again = [make_mutant(sources, MASTER_SEED, i) for i in range(20)]
    assert first == again
    assert len({m.data for m in first}) == 20


def test_every_mutation_changes_a_generated_return(sources):
    import random

    filled = next(s for s in sources if s.label.startswith("generated/"))
    for name, mutation in MUTATIONS.items():
        if name in ("ods_repeats", "xls_records"):
            continue            # .ods / .xls only
        changed = [mutation(random.Random(f"{name}:{i}"), filled.data) for i in range(5)]
        assert any(c is not None and c != filled.data for c in changed), name
    data, file_name, applied = mutate(random.Random(1), filled.data, filled.name)
    assert applied and data != filled.data and file_name


@needs_posix
def test_the_runner_reports_exceptions_and_hangs(tmp_path):
    """The harness itself can fail: an exception in collect and a child that does not answer
    in time are both reported, and the next folder still runs in a fresh child."""
    (tmp_path / "empty").mkdir()
    missing, fine = ChildPool(workers=1).run([("missing", str(tmp_path / "no-such-folder")),
                                              ("empty", str(tmp_path / "empty"))])
    assert "uncaught exception" in missing.failure and "UsageError" in missing.failure
    assert fine.ok and fine.result["codes"] == {}
    [slow] = ChildPool(workers=1, timeout=0).run([("empty", str(tmp_path / "empty"))])
    assert "hang" in slow.failure and "hang" in slow.alone


@pytest.mark.slow
@needs_posix
def test_fuzz_collect(sources, tmp_path, record_property):
    started = time.monotonic()
    indexes = ONLY or list(range(COUNT))
    mutants = {i: make_mutant(sources, MASTER_SEED, i) for i in indexes}
    requests = []
    for i, mutant in mutants.items():
        folder = tmp_path / f"{i:05d}"
        folder.mkdir()
        (folder / mutant.name).write_bytes(mutant.data)
        requests.append((str(i), str(folder)))
    pool = ChildPool(workers=WORKERS)
    outcomes = pool.run(requests)
    seconds = time.monotonic() - started

    failures = [(mutants[int(o.id)], o) for o in outcomes if not o.ok]
    stats = _stats(mutants, outcomes)
    summary = (f"fuzz: {len(mutants)} mutants, master seed {MASTER_SEED}, {seconds:.1f} s "
               f"({pool.children} child processes, slowest mutant {stats['slowest']:.2f} s), "
               f"{len(failures)} failures")
    print(summary)
    print("mutations:", json.dumps(stats["mutations"], ensure_ascii=False))
    print("outcomes:", json.dumps(stats["outcomes"], ensure_ascii=False))
    print("sources:", json.dumps(stats["sources"], ensure_ascii=False))
    for key in ("mutants", "seconds", "failures"):
        record_property(f"fuzz_{key}", {"mutants": len(mutants), "seconds": round(seconds, 1),
                                        "failures": len(failures)}[key])
    record_property("fuzz_seed", MASTER_SEED)

    assert not failures, _report(failures)
    if not ONLY:
        expected = set(MUTATIONS)
        if not any(s.name.lower().endswith((".ods", ".xls")) for s in sources):
            expected -= {"ods_repeats", "xls_records"}          # no .ods/.xls without the corpus
        assert set(stats["mutations"]) >= expected
        # not vacuous: many mutants still reach the intake and the checks with data
        assert stats["outcomes"]["read"] >= len(mutants) // 10, stats["outcomes"]


def _stats(mutants: dict, outcomes: list) -> dict:
    mutations = Counter(kind for m in mutants.values() for kind in m.mutations)
    read = sum(1 for o in outcomes if o.ok and "file-unreadable" not in o.result["codes"])
    accepted = sum(1 for o in outcomes if o.ok and o.result["accepted"])
    rows = sum(1 for o in outcomes if o.ok and o.result["rows"]["projects"])
    unreadable = Counter(o.result["unreadable"][0].split("：")[0] for o in outcomes
                         if o.ok and o.result["unreadable"])
    sources = Counter("generated" if m.source.startswith("generated/") else "corpus"
                      for m in mutants.values())
    return {"mutations": dict(sorted(mutations.items())), "sources": dict(sources),
            "outcomes": {"read": read, "accepted": accepted, "with_project_rows": rows,
                         "unreadable": dict(unreadable)},
            "slowest": max((o.seconds for o in outcomes), default=0.0)}


def _report(failures: list) -> str:
    """Save every failing mutant and say how to rebuild it."""
    KEEP.mkdir(parents=True, exist_ok=True)
    lines = [f"{len(failures)} mutants made collect fail (master seed {MASTER_SEED}):"]
    for mutant, outcome in failures:
        saved = KEEP / f"seed{MASTER_SEED}-{mutant.index:05d}-{mutant.name}"
        saved.write_bytes(mutant.data)
        saved.with_name(saved.name + ".json").write_text(json.dumps(
            {"seed": mutant.seed, "index": mutant.index, "source": mutant.source,
             "mutations": mutant.mutations, "failure": outcome.failure, "alone": outcome.alone},
            ensure_ascii=False, indent=1), encoding="utf-8")
        lines.append(f"- mutant {mutant.index} (seed {mutant.seed!r}, from {mutant.source}, "
                     f"{'+'.join(mutant.mutations)}) saved as {saved}; "
                     f"rerun: YOUYI_FUZZ_SEED={MASTER_SEED} YOUYI_FUZZ_ONLY={mutant.index} "
                     f"python -m pytest tests/test_fuzz.py\n  {outcome.failure.strip()[-1500:]}\n"
                     f"  alone in a fresh child: {outcome.alone}")
    return "\n".join(lines)
