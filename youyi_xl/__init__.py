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

from .collect import Batch as Batch
from .collect import collect as collect
from .errors import YouyiError as YouyiError
from .evaluate import Result as Result
from .evaluate import evaluate as evaluate
from .feedback import write_feedback as write_feedback
from .forms import make_forms as make_forms
from .history import unit_history as unit_history
from .issues import Issue as Issue
from .notice import render_notice as render_notice
from .period import Period as Period
from .pipeline import run as run
from .plan import Plan as Plan
from .plan import load_plan as load_plan
from .rules import load_rules as load_rules
from .scorecard import write_scorecard as write_scorecard

__all__ = ["Batch", "Issue", "Period", "Plan", "Result", "YouyiError", "collect", "evaluate",
           "load_plan", "load_rules", "make_forms", "render_notice", "run", "unit_history",
           "write_feedback", "write_scorecard", "__version__"]
