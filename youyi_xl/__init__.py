"""youyi-xl: collect, check, score and report the county's 招商引资和项目建设 returns.

The few names a notebook needs::

    import youyi_xl as yx
    plan = yx.load_plan()                               # the three attachment templates
    batch = yx.collect("回收/2022-03", "2022-03", plan)  # batch.issues, batch.projects: DataFrames
    result = yx.evaluate(batch)                         # result.units, result.county …
    yx.write_scorecard(result, "成绩单-2022-03.xlsx")
    yx.render_notice(result, "通报-2022-03.docx")
    yx.run("回收/2022-03", "2022-03", out="成果")        # all of it, as `youyi-xl run` does
"""
from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from .core import Issue as Issue
from .core import Period as Period
from .core import YouyiError as YouyiError
from .evaluation import Result as Result
from .evaluation import evaluate as evaluate
from .intake import Batch as Batch
from .intake import collect as collect
from .plan import Plan as Plan
from .plan import load_plan as load_plan

# The output stages load on first use, so that `youyi-xl check` starts without the
# Word/xlsxwriter/Jinja machinery (PEP 562).
_LAZY = {
    "load_rules": "plan", "make_forms": "outputs",
    "write_scorecard": "outputs", "write_feedback": "outputs", "render_notice": "outputs",
    "run": "pipeline", "unit_history": "evaluation",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .evaluation import unit_history  # noqa: F401
    from .outputs import make_forms, render_notice, write_feedback, write_scorecard  # noqa: F401
    from .pipeline import run  # noqa: F401
    from .plan import load_rules  # noqa: F401


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'youyi_xl' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = ["Batch", "Issue", "Period", "Plan", "Result", "YouyiError", "collect", "evaluate",
           "load_plan", "load_rules", "make_forms", "render_notice", "run", "unit_history",
           "write_feedback", "write_scorecard", "__version__"]
