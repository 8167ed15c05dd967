"""youyi-xl: collect, check, score and report the county's 招商引资和项目建设 returns.

The few names a notebook needs::

    import youyi_xl as yx
    plan = yx.load_plan()                       # the three attachment templates
    batch = yx.collect("returns/", "2022-03", plan)
    batch.issues, batch.projects                # pandas DataFrames
"""
from __future__ import annotations

__version__ = "0.1.0"

from .collect import Batch as Batch
from .collect import collect as collect
from .errors import YouyiError as YouyiError
from .issues import Issue as Issue
from .period import Period as Period
from .plan import Plan as Plan
from .plan import load_plan as load_plan


def make_forms(plan, period, out, units=None, *, overwrite=False):
    """One return workbook per unit, pre-filled with its targets (see youyi_xl.forms)."""
    from .forms import make_forms as _make_forms

    return _make_forms(plan, period, out, units, overwrite=overwrite)


__all__ = ["Batch", "Issue", "Period", "Plan", "YouyiError", "collect", "load_plan", "make_forms",
           "__version__"]
