"""The fourteen indicators of the 2022 work plan (DOMAIN §2), declared once.

Every other module (templates, plan reader, return form, evaluation, scorecard,
notice) takes keys, labels and units from here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """One target of the work plan."""

    key: str
    label: str          # the wording of the notice, used in every Chinese output
    unit: str           # 个 / 万元 / 万美元
    county_target: float | None  # DOMAIN §2; None where the notice gives no figure
    attachment: int     # 1 or 3: which decomposition table carries the per-unit split
    column: str         # header of that table's column (without the unit suffix)
    short: str          # a short label for narrow table headers

    @property
    def is_count(self) -> bool:
        return self.unit == "个"

    @property
    def header(self) -> str:
        """Header text with its unit, as printed in the templates: 签约项目(个)."""
        return f"{self.column}({self.unit})"


INDICATORS: tuple[Indicator, ...] = (
    Indicator("signed_projects", "招商签约项目", "个", 38, 1, "签约项目", "签约项目"),
    Indicator("started_projects", "落地开工招商引资项目", "个", 10, 1, "落地开工项目", "落地开工"),
    Indicator("out_of_province_funds", "实际利用省外资金", "万元", None, 1,
              "2022年实际利用省外资金目标", "省外资金"),
    Indicator("foreign_direct_investment", "直接利用外资", "万美元", None, 1,
              "直接利用外资", "直接利用外资"),
    Indicator("provincial_new_projects", "新建省级百大项目", "个", 3, 3,
              "新建省级百大项目", "新建省百大"),
    Indicator("provincial_plan_investment", "省级百大项目年度计划投资", "万元", 54000, 3,
              "省级百大年度计划投资", "省百大投资"),
    Indicator("municipal_projects", "市级百大项目", "个", 10, 3, "市级百大项目", "市百大"),
    Indicator("municipal_new_projects", "其中新建市级百大项目", "个", 4, 3,
              "其中新建市级百大项目", "新建市百大"),
    Indicator("municipal_plan_investment", "市级百大项目年度计划投资", "万元", 45000, 3,
              "市级百大年度计划投资", "市百大投资"),
    Indicator("industrial_projects", "投资500万元以上产业项目", "个", 16, 3,
              "500万元以上产业项目", "500万以上项目"),
    Indicator("industrial_new_projects", "其中新建500万元以上产业项目", "个", 8, 3,
              "其中新建500万元以上产业项目", "新建500万以上"),
    Indicator("industrial_plan_investment", "500万元以上产业项目年度计划投资", "万元", 55000, 3,
              "500万元以上产业项目年度计划投资", "500万以上投资"),
    Indicator("planned_projects", "新策划生成总投资5000万元以上产业项目", "个", 7, 3,
              "新策划生成5000万元以上项目", "新策划项目"),
    Indicator("fixed_asset_investment", "固定资产投资", "万元", 107000, 3,
              "固定资产投资", "固定资产投资"),
)

BY_KEY: dict[str, Indicator] = {ind.key: ind for ind in INDICATORS}
KEYS: tuple[str, ...] = tuple(BY_KEY)

# Industry-chain targets (DOMAIN §2): per chain, in 2022.
CHAIN_SIGNED_TARGET = 2      # signed projects of 5,000万元 or more
CHAIN_STARTED_TARGET = 1     # projects started
CHAIN_PROJECT_MIN_INVESTMENT = 5000.0   # 万元
PLANNED_PROJECT_MIN_INVESTMENT = 5000.0  # 万元 (策划储备 counted from here)

# The 2021 base of out-of-province funds grows by 10% (增长10%以上).
OUT_OF_PROVINCE_GROWTH = 1.10
