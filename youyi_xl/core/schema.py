"""The one declaration of every table youyi-xl reads or writes.

The attachment templates (plan), the return form (forms), the reader and the
validator all take sheet names, header labels, aliases, types, required marks
and drop-down values from here; nothing else repeats a header text.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, NamedTuple

from .hashing import HashedOnce
from .identity import NO_NAME, identity_key, identity_of
from .normalize import header_key

# Column kinds
TEXT, INT, AMOUNT, DATE, YESNO, CHOICE = "text", "int", "amount", "date", "yesno", "choice"


@dataclass(frozen=True)
class Column:
    key: str
    label: str                      # header as the form prints it, with its unit: 签约总投资(万元)
    kind: str = TEXT
    unit: str = ""                  # 万元 / 万美元 / 个 for numbers
    required: bool = False
    aliases: tuple[str, ...] = ()   # other headers units use for the same column
    choices: tuple[str, ...] = ()   # drop-down values (CHOICE); chain names come from the plan
    choice_aliases: tuple[tuple[str, str], ...] = ()
    follows: str = ""               # an ambiguous alias ("其中新建") belongs right of this column
    width: float = 12               # column width in the generated form (characters)
    hint: str = ""                  # input message of the form's data validation
    prefilled: bool = False         # filled from the plan in the generated form (locked)
    zero_if_blank: bool = False     # an empty 其中 column counts as 0

    def header_keys(self) -> tuple[str, ...]:
        """Normalised header texts that identify this column (label, label without unit, aliases)."""
        names = (self.label, self.label.split("(")[0], *self.aliases)
        return tuple(dict.fromkeys(header_key(n) for n in names if n))

    @property
    def choice_map(self) -> dict[str, str]:
        return dict(self.choice_aliases)


@dataclass(frozen=True)
class Table(HashedOnce):
    key: str
    sheet: str                      # sheet name in the form / template
    title: str                      # merged title row of the form
    columns: tuple[Column, ...]
    required: bool = True           # sheet-missing when absent
    sheet_aliases: tuple[str, ...] = ()
    min_header_matches: int = 3     # a row is this table's header when it matches this many columns
    record_name: str = ""           # a return table's row type (a module-level name, so it pickles)
    by_key: dict[str, Column] = field(init=False, repr=False, compare=False)
    record: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_key", {c.key: c for c in self.columns})
        fields_ = (*SOURCE_FIELDS, *self.value_keys)
        record = namedtuple(self.record_name, fields_, module=__name__) if self.record_name else None
        object.__setattr__(self, "record", record)

    __hash__ = HashedOnce.__hash__

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @property
    def value_keys(self) -> tuple[str, ...]:
        """The keys of the columns a row carries (序号 is only a label, not a value)."""
        return tuple(c.key for c in self.columns if c.key != "seq")

    def make_record(self, values: Mapping[str, Any], **source: Any) -> Any:
        """A record of this table from a mapping of column keys (absent keys are None); its
        identity key made from them unless given."""
        base = {"unit": "", "file": "", "sheet": self.sheet, "row": 0, "valid": True, "identity": NO_NAME}
        base.update(source)
        record = self.record(**base, **{k: values.get(k) for k in self.value_keys})
        if "identity" in source:
            return record
        return record._replace(identity=identity_key(identity_of(record, self.key)))

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


# Every parsed row of a return table is a record (a named tuple): where it came from, whether it
# counts, the key of its identity for comparing projects across units (core.identity), then one
# field per column key.
SOURCE_FIELDS = ("unit", "file", "sheet", "row", "valid", "identity")


class Reported(NamedTuple):
    """One 指标汇总 row of a return: the unit's own figure for one indicator."""

    unit: str
    file: str
    sheet: str
    row: int                        # 1-based Excel row
    indicator: str                  # the indicator key
    target: float | None
    actual: float | None
    target_cell: str = ""
    actual_cell: str = ""
    valid: bool = True


def _money(key: str, label: str, required: bool = False, unit: str = "万元", **kw) -> Column:
    return Column(key, f"{label}({unit})", AMOUNT, unit=unit, required=required,
                  hint=kw.pop("hint", f"填写数字，单位{unit}"), **kw)


def _count(key: str, label: str, **kw) -> Column:
    return Column(key, f"{label}(个)", INT, unit="个", hint="填写整数，单位：个", **kw)


SEQ = Column("seq", "序号", TEXT, width=6, aliases=("编号",))
NOTE = Column("note", "备注", TEXT, width=16, aliases=("说明",))
UNIT_NAME = Column("unit", "单位名称", TEXT, required=True, width=22,
                   aliases=("单位", "承标单位", "责任单位名称"))
UNIT_GROUP = Column("group", "单位类别", CHOICE, choices=("乡镇", "部门"), width=10,
                    aliases=("类别", "单位类型"),
                    choice_aliases=(("乡", "乡镇"), ("镇", "乡镇"), ("乡(镇)", "乡镇"),
                                    ("县直部门", "部门"), ("单位", "部门")))

FUND_SOURCES = ("省外", "省内", "境外")
CATEGORIES = ("省级百大", "市级百大", "500万元以上产业项目")
NATURES = ("新建", "续建")
STATUSES = ("未开工", "已开工", "已竣工")
STARTED_STATUSES = STATUSES[1:]          # 开工状态 values that count as started (开复工)

CATEGORY_ALIASES = (("省级百大项目", "省级百大"), ("省百大", "省级百大"), ("省百大项目", "省级百大"),
                    ("市级百大项目", "市级百大"), ("市百大", "市级百大"), ("市百大项目", "市级百大"),
                    ("500万元以上", "500万元以上产业项目"), ("500万以上", "500万元以上产业项目"),
                    ("500万以上产业项目", "500万元以上产业项目"),
                    ("投资500万元以上产业项目", "500万元以上产业项目"),
                    ("500万元以上项目", "500万元以上产业项目"))
NATURE_ALIASES = (("新开工", "新建"), ("复工", "续建"), ("续建项目", "续建"), ("新建项目", "新建"))
STATUS_ALIASES = (("开工", "已开工"), ("在建", "已开工"), ("已复工", "已开工"), ("复工", "已开工"),
                  ("竣工", "已竣工"), ("完工", "已竣工"), ("已完工", "已竣工"), ("投产", "已竣工"),
                  ("未开", "未开工"), ("前期", "未开工"), ("待开工", "未开工"))
SOURCE_ALIASES = (("外省", "省外"), ("国内省外", "省外"), ("本省", "省内"), ("省内资金", "省内"),
                  ("国外", "境外"), ("外资", "境外"), ("港澳台", "境外"), ("省外资金", "省外"))

# --------------------------------------------------------------------------
# The three attachment templates (DOMAIN §3)
# --------------------------------------------------------------------------

# 附件1 and 附件3: the unit columns; each indicator's target column is added by the plan from its
# declaration (指标设置 目标列), see `with_targets`.
ATTACHMENT1 = Table("attachment1", "目标分解", "招商引资工作目标任务分解表", (SEQ, UNIT_NAME, UNIT_GROUP, NOTE))

ATTACHMENT2 = Table(
    "attachment2", "产业链任务", "产业链建设任务分解表",
    (
        SEQ,
        Column("chain", "产业链", TEXT, required=True, width=18, aliases=("产业链名称",)),
        Column("leader", "链长", TEXT, width=14),
        Column("lead_unit", "牵头单位", TEXT, width=16),
        Column("partners", "配合单位", TEXT, width=24),
        _count("signed", "签约5000万元以上项目", width=10),
        _count("started", "落地开工项目", width=10),
        Column("focus", "主攻方向", TEXT, width=30),
        NOTE,
    ),
)

ATTACHMENT3 = Table("attachment3", "目标分解", "重点项目和固定资产投资目标任务分解表",
                    (SEQ, UNIT_NAME, UNIT_GROUP, NOTE))


def with_targets(table: Table, targets: tuple[Column, ...]) -> Table:
    """An attachment table with the target columns of the declared indicators before 备注
    (the columns a header row may hold; which of them it does hold says where each target is)."""
    head = tuple(c for c in table.columns if c.key != "note")
    return replace(table, columns=(*head, *targets, *(c for c in table.columns if c.key == "note")))


def target_column(key: str, header: str, unit: str, count: bool) -> Column:
    """The column of one indicator's targets in 附件1 / 附件3, headed as 指标设置 says."""
    return Column(key, header, INT if count else AMOUNT, unit="个" if count else unit, width=11)


KEY_PROJECT_LIST = Table(
    "key_project_list", "重点项目清单", "省、市百大项目和500万元以上产业项目清单",
    (
        SEQ,
        Column("name", "项目名称", TEXT, required=True, width=30),
        Column("category", "项目类别", CHOICE, required=True, choices=CATEGORIES,
               choice_aliases=CATEGORY_ALIASES, width=14),
        Column("nature", "建设性质", CHOICE, required=True, choices=NATURES,
               choice_aliases=NATURE_ALIASES, width=8),
        Column("unit", "责任单位", TEXT, required=True, width=16, aliases=("单位名称",)),
        Column("leader", "包保县级领导", TEXT, width=14, aliases=("包保领导",)),
        Column("chain", "所属产业链", TEXT, width=14, aliases=("产业链",)),
        _money("total_investment", "总投资", width=10),
        _money("plan_investment", "年度计划投资", width=10),
        Column("start_month", "计划开工月份", TEXT, width=10, aliases=("计划开工时间",)),
        NOTE,
    ),
    min_header_matches=4,
)

# --------------------------------------------------------------------------
# The return form (DOMAIN §4)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverField:
    key: str
    label: str
    kind: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    hint: str = ""


COVER_SHEET = "封面"
COVER_FIELDS: tuple[CoverField, ...] = (
    CoverField("unit", "填报单位", required=True, aliases=("报送单位", "单位名称", "单位"),
               hint="填写单位全称，如：友谊镇人民政府"),
    CoverField("period", "报送期", required=True, aliases=("报送期间", "填报期", "统计期", "报送时段"),
               hint="如：2022年1-3月"),
    CoverField("filler", "填报人", aliases=("联系人", "填表人")),
    CoverField("phone", "联系电话", aliases=("电话", "联系方式")),
    CoverField("leader", "分管领导", aliases=("审核人", "单位负责人")),
    CoverField("fill_date", "填报日期", DATE, aliases=("报送日期", "填表日期"), hint="如：2022年4月5日"),
)

PROJECTS = Table(
    "projects", "招商引资项目", "招商引资项目签约及落地情况",
    (
        SEQ,
        Column("name", "项目名称", TEXT, required=True, width=28, hint="填写项目全称"),
        Column("investor", "投资方", TEXT, required=True, width=22, aliases=("投资主体", "投资企业"),
               hint="填写投资企业全称"),
        Column("investor_location", "投资方所在地", TEXT, width=14, aliases=("投资方来源地",)),
        Column("fund_source", "资金来源", CHOICE, required=True, choices=FUND_SOURCES,
               choice_aliases=SOURCE_ALIASES, width=10, hint="从下拉列表选择：省外/省内/境外"),
        Column("chain", "所属产业链", CHOICE, required=True, width=18, aliases=("产业链",),
               hint="从下拉列表选择本项目所属产业链"),
        Column("sign_date", "签约日期", DATE, required=True, width=12,
               hint="填写日期，如 2022-03-05"),
        _money("total_investment", "签约总投资", required=True, width=12,
               aliases=("总投资(万元)", "总投资", "签约总投资", "签约额(万元)")),
        Column("started", "是否开工", YESNO, required=True, width=9, choices=("是", "否"),
               hint="从下拉列表选择：是/否"),
        Column("start_date", "开工日期", DATE, width=12, hint="已开工的填写开工日期"),
        _money("funds_in", "本年到位资金", required=True, width=12, aliases=("到位资金(万元)", "到位资金")),
        _money("funds_out_of_province", "其中省外资金", width=12, zero_if_blank=True,
               aliases=("省外资金(万元)", "其中:省外资金(万元)", "省外资金")),
        _money("funds_foreign", "其中外资", unit="万美元", width=12, zero_if_blank=True,
               aliases=("外资(万美元)", "其中:外资(万美元)", "利用外资(万美元)")),
        Column("leader", "包保县级领导", TEXT, width=12, aliases=("包保领导",)),
        NOTE,
    ),
    record_name="ProjectRecord",
)

KEY_PROJECTS = Table(
    "key_projects", "重点项目进展", "省、市百大项目和500万元以上产业项目进展情况",
    (
        SEQ,
        Column("name", "项目名称", TEXT, required=True, width=28, prefilled=True),
        Column("category", "项目类别", CHOICE, required=True, choices=CATEGORIES,
               choice_aliases=CATEGORY_ALIASES, width=14, prefilled=True,
               hint="省级百大/市级百大/500万元以上产业项目"),
        Column("nature", "建设性质", CHOICE, required=True, choices=NATURES,
               choice_aliases=NATURE_ALIASES, width=8, prefilled=True, hint="新建/续建"),
        _money("total_investment", "总投资", width=11, prefilled=True),
        _money("plan_investment", "年度计划投资", width=11, prefilled=True, aliases=("年计划投资(万元)",)),
        _money("completed_investment", "本年累计完成投资", required=True, width=12,
               aliases=("累计完成投资(万元)", "完成投资(万元)", "本年完成投资(万元)")),
        Column("status", "开工状态", CHOICE, required=True, choices=STATUSES,
               choice_aliases=STATUS_ALIASES, width=9, hint="未开工/已开工/已竣工"),
        Column("start_date", "开工日期", DATE, width=12, hint="已开工的填写开工日期"),
        Column("progress", "形象进度", TEXT, width=22),
        Column("problems", "存在问题", TEXT, width=20, aliases=("存在的问题", "困难和问题")),
        Column("chain", "所属产业链", TEXT, width=14, aliases=("产业链",), prefilled=True),
    ),
    record_name="KeyProjectRecord",
)

PLANNED = Table(
    "planned", "策划储备项目", "新策划生成总投资5000万元以上产业项目",
    (
        SEQ,
        Column("name", "项目名称", TEXT, required=True, width=30),
        _money("total_investment", "总投资", required=True, width=12, aliases=("计划总投资(万元)",)),
        Column("chain", "所属产业链", TEXT, width=16, aliases=("产业链",)),
        Column("plan_date", "策划生成日期", DATE, required=True, width=14, aliases=("生成日期", "策划日期")),
        Column("progress", "前期工作进展", TEXT, width=30, aliases=("前期进展", "进展情况")),
    ),
    min_header_matches=3, record_name="PlannedRecord",
)

SUMMARY = Table(
    "summary", "指标汇总", "主要指标完成情况汇总",
    (
        Column("indicator", "指标", TEXT, required=True, width=34, aliases=("指标名称", "项目")),
        Column("target", "年度目标", AMOUNT, width=12, prefilled=True, aliases=("目标", "全年目标")),
        Column("actual", "本年累计完成", AMOUNT, width=14,
               aliases=("累计完成", "完成", "完成数")),
        Column("rate", "完成率", TEXT, width=10, aliases=("完成比例",)),
    ),
    min_header_matches=2,
)

RETURN_TABLES: tuple[Table, ...] = (PROJECTS, KEY_PROJECTS, PLANNED, SUMMARY)
ROW_TABLES: tuple[Table, ...] = (PROJECTS, KEY_PROJECTS, PLANNED)   # tables of project rows
ProjectRecord = PROJECTS.record            # the row types, importable by name (pickling)
KeyProjectRecord = KEY_PROJECTS.record
PlannedRecord = PLANNED.record
RETURN_SHEETS: tuple[str, ...] = (COVER_SHEET, *(t.sheet for t in RETURN_TABLES))
