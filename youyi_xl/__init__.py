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

from .collect import Batch as Batch
from .collect import collect as collect
from .errors import YouyiError as YouyiError
from .evaluate import Result as Result      # eager: the function shares its module's name
from .evaluate import evaluate as evaluate
from .issues import Issue as Issue
from .period import Period as Period
from .plan import Plan as Plan
from .plan import load_plan as load_plan

# The output stages load on first use, so that `youyi-xl check` starts without the
# Word/xlsxwriter/Jinja machinery (PEP 562).
_LAZY = {
    "load_rules": "rules", "make_forms": "forms",
    "write_scorecard": "scorecard", "write_feedback": "feedback", "render_notice": "notice",
    "run": "pipeline", "unit_history": "history",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .feedback import write_feedback  # noqa: F401
    from .forms import make_forms  # noqa: F401
    from .history import unit_history  # noqa: F401
    from .notice import render_notice  # noqa: F401
    from .pipeline import run  # noqa: F401
    from .rules import load_rules  # noqa: F401
    from .scorecard import write_scorecard  # noqa: F401


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
