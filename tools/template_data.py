"""Sample contents of the three attachment templates (DOMAIN §2, §3).

The notice gives only county totals. The per-unit split, the 2021 base of
out-of-province funds, the city-set FDI target, the chains' leaders and the named
key projects below are plausible SAMPLES (marked 示例 in the workbooks) that sum
exactly to the county targets; clerks replace them in Excel.

The 目标分解 sheet of attachment 3 is not declared here: build_templates.py derives
its project columns from KEY_PROJECTS, so the two sheets always agree per unit.
"""
from __future__ import annotations

from typing import NamedTuple

TOWNSHIP, DEPARTMENT = "乡镇", "部门"
USD_RATE = 6.7                       # 外资折算汇率 1美元=6.7元人民币 (示例)
DEFAULT_LEADER = "副县长（示例）"


class Unit(NamedTuple):
    name: str
    group: str
    signed: int             # 签约项目(个)
    started: int            # 落地开工项目(个)
    base_2021: int          # 2021年实际利用省外资金(万元), a multiple of 10
    fdi: int                # 直接利用外资(万美元)
    planned: int            # 新策划生成5000万元以上项目(个)
    fixed_asset: int        # 固定资产投资(万元)
    aliases: tuple[str, ...] = ()


# Townships first, then departments; attachment 1 and attachment 3 use this order.
UNITS: tuple[Unit, ...] = (
    #     name              group       signed started base  fdi planned fixed   aliases
    Unit("友谊镇",           TOWNSHIP,   2, 1, 1200,  30, 0,  6000),
    Unit("兴隆镇",           TOWNSHIP,   2, 1, 1000,   0, 0,  5500),
    Unit("龙山镇",           TOWNSHIP,   1, 0,  600,   0, 0,  3500),
    Unit("凤岗镇",           TOWNSHIP,   1, 0,  500,   0, 0,  2000),
    Unit("兴盛乡",           TOWNSHIP,   1, 0,  500,   0, 0,  3500),
    Unit("东建乡",           TOWNSHIP,   1, 0,  500,   0, 0,  4000),
    Unit("庆丰乡",           TOWNSHIP,   1, 0,  400,   0, 0,  4000),
    Unit("建设乡",           TOWNSHIP,   1, 0,  300,   0, 0,  1500),
    Unit("友邻乡",           TOWNSHIP,   1, 0,  300,   0, 0,  2000),
    Unit("新镇乡",           TOWNSHIP,   1, 0,  300,   0, 0,  1500),
    Unit("成富朝鲜族满族乡", TOWNSHIP,   1, 0,  400,   0, 0,  1000, ("成富乡",)),
    Unit("发展和改革局",     DEPARTMENT, 2, 1, 1200,   0, 1,  5000, ("发改局", "县发改局")),
    Unit("经济合作促进中心", DEPARTMENT, 4, 2, 3500, 200, 2, 12000, ("经合中心", "县经合中心")),
    Unit("工业和信息化局",   DEPARTMENT, 2, 1, 1800,  50, 1, 10000, ("工信局", "县工信局")),
    Unit("商务局",           DEPARTMENT, 2, 1, 1000, 120, 0,  2500, ("县商务局",)),
    Unit("农业农村局",       DEPARTMENT, 2, 1,  900,   0, 1,  3000, ("农业局", "县农业农村局")),
    Unit("自然资源局",       DEPARTMENT, 1, 0,  200,   0, 0,  1500, ("县自然资源局",)),
    Unit("住房和城乡建设局", DEPARTMENT, 1, 0,  300,   0, 0,  7500, ("住建局", "县住建局")),
    Unit("交通运输局",       DEPARTMENT, 1, 0,  200,   0, 0,  5000, ("交通局", "县交通局")),
    Unit("水务局",           DEPARTMENT, 1, 0,  200,   0, 0,  4000, ("县水务局",)),
    Unit("文体广电和旅游局", DEPARTMENT, 1, 0,  300,   0, 0,  2000,
         ("文旅局", "文体广电旅游局", "县文旅局")),
    Unit("财政局",           DEPARTMENT, 1, 0,  100,   0, 0,     0, ("县财政局",)),
    Unit("统计局",           DEPARTMENT, 1, 0,  100,   0, 0,     0, ("县统计局",)),
    Unit("市场监督管理局",   DEPARTMENT, 1, 0,  100,   0, 0,     0, ("市场监管局", "县市场监管局")),
    Unit("营商环境建设监督局", DEPARTMENT, 1, 0, 100,  0, 0,     0, ("营商局", "县营商局")),
    Unit("经济园区服务中心", DEPARTMENT, 4, 2, 3000, 100, 2, 20000,
         ("园区服务中心", "经济园区", "经开区")),
)


class Chain(NamedTuple):
    name: str
    leader: str             # 链长: a placeholder, never a real person
    lead_unit: str          # 牵头单位, a unit name of UNITS
    partners: tuple[str, ...]  # 配合单位, unit names of UNITS
    focus: str              # 主攻方向


CHAINS: tuple[Chain, ...] = (
    Chain("玉米(含鲜食玉米)", "县委常委、副县长（示例）", "经济合作促进中心",
          ("工业和信息化局", "农业农村局", "友谊镇", "兴隆镇"), "玉米深加工、鲜食玉米速冻及秸秆综合利用"),
    Chain("大豆", "副县长（示例）", "工业和信息化局",
          ("农业农村局", "经济合作促进中心", "龙山镇", "凤岗镇"), "大豆蛋白、豆制品精深加工"),
    Chain("水稻", "副县长（示例）", "农业农村局",
          ("水务局", "市场监督管理局", "庆丰乡", "兴盛乡"), "优质稻米加工和品牌营销"),
    Chain("畜牧(蛋鸡/生猪/肉牛)", "副县长（示例）", "农业农村局",
          ("自然资源局", "兴隆镇", "龙山镇", "东建乡", "友邻乡"), "规模化养殖、屠宰及肉蛋制品加工"),
    Chain("生物质及新能源", "县委常委、副县长（示例）", "发展和改革局",
          ("工业和信息化局", "自然资源局", "经济园区服务中心", "兴盛乡"), "生物质热电联产、生物天然气和光伏发电"),
    Chain("绿色食品", "副县长（示例）", "经济园区服务中心",
          ("工业和信息化局", "市场监督管理局", "新镇乡", "东建乡"), "杂粮杂豆、食用菌等绿色食品加工"),
    Chain("文化旅游", "副县长（示例）", "文体广电和旅游局",
          ("交通运输局", "住房和城乡建设局", "成富朝鲜族满族乡", "友谊镇"), "民俗文化、乡村旅游和农垦文化体验"),
    Chain("粮食仓储物流", "副县长（示例）", "商务局",
          ("发展和改革局", "交通运输局", "经济园区服务中心", "龙山镇"), "粮食烘干仓储和冷链物流"),
    Chain("农机装备", "副县长（示例）", "工业和信息化局",
          ("农业农村局", "经济园区服务中心", "建设乡"), "农机制造、维修及配套服务"),
)

PROVINCIAL, MUNICIPAL, INDUSTRIAL = "省级百大", "市级百大", "500万元以上产业项目"
NEW, CONTINUED = "新建", "续建"


class Project(NamedTuple):
    name: str
    category: str           # 省级百大 / 市级百大 / 500万元以上产业项目
    nature: str             # 新建 / 续建
    unit: str               # 责任单位, a unit name of UNITS
    chain: str              # 所属产业链, a chain name of CHAINS
    total: int              # 总投资(万元)
    plan: int               # 年度计划投资(万元)
    start: str              # 计划开工月份
    leader: str = DEFAULT_LEADER


KEY_PROJECTS: tuple[Project, ...] = (
    # 省级百大: 3 new, plan 54000
    Project("友谊县年加工30万吨玉米深加工项目", PROVINCIAL, NEW, "经济园区服务中心",
            "玉米(含鲜食玉米)", 60000, 25000, "2022年5月", "县委常委、副县长（示例）"),
    Project("友谊县生物质热电联产项目", PROVINCIAL, NEW, "经济合作促进中心",
            "生物质及新能源", 45000, 17000, "2022年5月", "县委常委、副县长（示例）"),
    Project("友谊县年产5万吨大豆分离蛋白项目", PROVINCIAL, NEW, "工业和信息化局",
            "大豆", 32000, 12000, "2022年6月"),
    # 市级百大: 10 (4 new), plan 45000
    Project("友谊县年加工10万吨鲜食玉米项目", MUNICIPAL, NEW, "友谊镇",
            "玉米(含鲜食玉米)", 12000, 6000, "2022年4月"),
    Project("友谊县百万只蛋鸡养殖项目", MUNICIPAL, NEW, "兴隆镇",
            "畜牧(蛋鸡/生猪/肉牛)", 15000, 6000, "2022年4月"),
    Project("友谊县10万吨粮食仓储物流中心项目", MUNICIPAL, NEW, "发展和改革局",
            "粮食仓储物流", 11000, 5000, "2022年5月"),
    Project("友谊县20兆瓦分布式光伏发电项目", MUNICIPAL, NEW, "发展和改革局",
            "生物质及新能源", 9000, 3500, "2022年6月"),
    Project("友谊经济开发区绿色食品产业园标准化厂房项目", MUNICIPAL, CONTINUED, "经济园区服务中心",
            "绿色食品", 14000, 6000, "续建"),
    Project("友谊县年加工8万吨优质大米项目", MUNICIPAL, CONTINUED, "庆丰乡",
            "水稻", 10000, 4000, "续建"),
    Project("友谊县万头肉牛养殖及屠宰加工项目", MUNICIPAL, CONTINUED, "东建乡",
            "畜牧(蛋鸡/生猪/肉牛)", 16000, 5000, "续建"),
    Project("友谊县年出栏5万头生猪养殖项目", MUNICIPAL, CONTINUED, "龙山镇",
            "畜牧(蛋鸡/生猪/肉牛)", 9500, 3500, "续建"),
    Project("友谊县农垦文化和乡村旅游综合开发项目", MUNICIPAL, CONTINUED, "文体广电和旅游局",
            "文化旅游", 8000, 3000, "续建"),
    Project("友谊县年产5万吨秸秆生物质颗粒燃料项目", MUNICIPAL, CONTINUED, "兴盛乡",
            "生物质及新能源", 7000, 3000, "续建"),
    # 500万元以上产业项目: 16 (8 new), plan 55000
    Project("友谊县年产2万吨鲜食玉米速冻加工项目", INDUSTRIAL, NEW, "兴隆镇",
            "玉米(含鲜食玉米)", 6000, 3500, "2022年4月"),
    Project("友谊县年加工5万吨豆制品项目", INDUSTRIAL, NEW, "凤岗镇",
            "大豆", 5500, 3000, "2022年5月"),
    Project("友谊县畜禽粪污资源化利用有机肥项目", INDUSTRIAL, NEW, "建设乡",
            "畜牧(蛋鸡/生猪/肉牛)", 3000, 2000, "2022年5月"),
    Project("友谊县农机装备制造及维修服务中心项目", INDUSTRIAL, NEW, "工业和信息化局",
            "农机装备", 8000, 5600, "2022年4月"),
    Project("友谊县农产品冷链物流仓储项目", INDUSTRIAL, NEW, "商务局",
            "粮食仓储物流", 6500, 4000, "2022年5月"),
    Project("友谊县蛋品深加工项目", INDUSTRIAL, NEW, "友邻乡",
            "畜牧(蛋鸡/生猪/肉牛)", 4500, 3000, "2022年6月"),
    Project("友谊县杂粮杂豆绿色食品加工项目", INDUSTRIAL, NEW, "新镇乡",
            "绿色食品", 3800, 2500, "2022年5月"),
    Project("友谊县生物天然气项目", INDUSTRIAL, NEW, "农业农村局",
            "生物质及新能源", 9000, 5000, "2022年6月"),
    Project("友谊县稻米加工产能提升项目", INDUSTRIAL, CONTINUED, "兴盛乡",
            "水稻", 4200, 2500, "续建"),
    Project("友谊县粮食烘干仓储项目", INDUSTRIAL, CONTINUED, "龙山镇",
            "粮食仓储物流", 3600, 2600, "续建"),
    Project("友谊县肉牛标准化养殖小区项目", INDUSTRIAL, CONTINUED, "庆丰乡",
            "畜牧(蛋鸡/生猪/肉牛)", 5000, 3000, "续建"),
    Project("友谊经济开发区绿色食品加工项目", INDUSTRIAL, CONTINUED, "经济园区服务中心",
            "绿色食品", 12000, 6000, "续建"),
    Project("友谊县玉米淀粉技术改造项目", INDUSTRIAL, CONTINUED, "经济合作促进中心",
            "玉米(含鲜食玉米)", 7000, 5000, "续建"),
    Project("成富朝鲜族民俗文化旅游项目", INDUSTRIAL, CONTINUED, "成富朝鲜族满族乡",
            "文化旅游", 2800, 1800, "续建"),
    Project("友谊县食用菌种植加工项目", INDUSTRIAL, CONTINUED, "东建乡",
            "绿色食品", 3200, 2000, "续建"),
    Project("友谊县年产10万吨饲料加工项目", INDUSTRIAL, CONTINUED, "友谊镇",
            "畜牧(蛋鸡/生猪/肉牛)", 6000, 3500, "续建"),
)

# Notes printed under each table (注).
SAMPLE_NOTE = "各单位分解数为示例，请按实际修改。"
ALIAS_NOTE = "备注栏“别名：”后为单位常用简称，多个以“、”分隔，汇总时据此识别单位。"
RATE_NOTE = f"外资折算汇率：1美元={USD_RATE:g}元人民币（示例）"
NOTES = {
    "attachment1": (
        f"注：1.{SAMPLE_NOTE}2021年实际利用省外资金、直接利用外资市定目标均为示例数。",
        "2.2022年实际利用省外资金目标按2021年实际数增长10%测算。",
        f"3.{ALIAS_NOTE}",
        RATE_NOTE,
    ),
    "attachment2": (
        "注：1.各产业链全年分别力争签约总投资5000万元以上项目2个、落地开工建设项目1个。",
        "2.产业链设置、链长、牵头及配合单位、主攻方向均为示例，请按实际修改。",
    ),
    "attachment3": (
        f"注：1.{SAMPLE_NOTE}省、市百大项目和500万元以上产业项目各列由“重点项目清单”汇总生成，"
        "修改时请保持两表一致。",
        "2.新策划生成5000万元以上项目、固定资产投资为分解数（示例）。",
    ),
    "key_project_list": (
        "注：1.项目名称、总投资、年度计划投资及包保县级领导均为示例，请按实际修改。",
        "2.项目类别填“省级百大”“市级百大”或“500万元以上产业项目”，建设性质填“新建”或“续建”。",
    ),
}


# --------------------------------------------------------------------------
# 考核细则: 基本信息 and 指标设置 (DOMAIN §2, §4.1, §6, §8) — what the 2022 plan declares
# --------------------------------------------------------------------------

YEAR = 2022
COUNTY = "友谊县"
SETTINGS: tuple[tuple[str, object, str], ...] = (
    # label, value, what it is for
    ("年度", YEAR, "考核年度：报送期、日期和“在本期”都按这一年"),
    ("县（区）名称", COUNTY, "成绩单、通报中的县（区）名称"),
    ("发文机关", "友谊县人民政府办公室", "通报落款"),
    ("主送", "各乡（镇）人民政府，县政府直属和在县中、省直各有关单位：", "通报主送机关"),
    ("抄送", "县委办，县纪委办，县人武部，县人大办，县政协办，县法院，县检察院。", "通报版记抄送"),
    ("印发机关", "友谊县人民政府办公室", "通报版记印发机关"),
    ("考评牵头单位", "友谊县发展和改革局", "催报、填报表署名"),
    ("考评组织单位", "县发改局、县政府督查室", "通报中组织调度考评、督导的单位"),
    ("考评配合单位", "县经合中心、县统计局", "通报中会同考评的单位（可不填）"),
    ("产业链项目投资下限(万元)", 5000, "产业链签约项目按签约总投资不低于此数统计"),
)


class Declared(NamedTuple):
    """One row of 指标设置."""

    key: str                # 指标代码 (stable: the JSON and the history use it)
    name: str               # 指标名称
    short: str              # 简称
    unit: str               # 计量单位
    category: str           # 分类 (the 通报 paragraph)
    source: str             # 数据来源
    method: str             # 统计方式
    sum_field: str          # 求和字段
    conditions: str         # 条件
    target: str             # 目标列 (a header of attachment 1 or 3)
    county: int | None      # 全县目标
    weight: int             # 权重(分)
    prose: str              # 通报用语
    noun: str = "年度目标"   # 目标称谓
    attachment: int = 3     # where the builder puts the target column


ATTRACT, BUILD, PLAN_FAI = "招商引资", "项目建设", "项目谋划和固定资产投资"
SIGNED_NOW = "签约日期在本期"
STARTED_KEY = "开工状态=已开工,已竣工"
DECLARED: tuple[Declared, ...] = (
    Declared("signed_projects", "招商签约项目", "签约项目", "个", ATTRACT, "招商引资项目", "计数", "",
             SIGNED_NOW, "签约项目(个)", 38, 15, "新签约招商引资项目", attachment=1),
    Declared("started_projects", "落地开工招商引资项目", "落地开工", "个", ATTRACT, "招商引资项目", "计数", "",
             f"{SIGNED_NOW}；是否开工=是；开工日期在本期", "落地开工项目(个)", 10, 10, "落地开工招商引资项目",
             attachment=1),
    Declared("out_of_province_funds", "实际利用省外资金", "省外资金", "万元", ATTRACT, "招商引资项目", "求和",
             "其中省外资金(万元)", SIGNED_NOW, "2022年实际利用省外资金目标(万元)", None, 10, "实际利用省外资金",
             attachment=1),
    Declared("foreign_direct_investment", "直接利用外资", "直接利用外资", "万美元", ATTRACT, "招商引资项目", "求和",
             "其中外资(万美元)", SIGNED_NOW, "直接利用外资(万美元)", None, 5, "直接利用外资", "市定目标",
             attachment=1),
    Declared("provincial_new_projects", "新建省级百大项目", "新建省百大", "个", BUILD, "重点项目进展", "计数", "",
             f"项目类别=省级百大；建设性质=新建；{STARTED_KEY}", "新建省级百大项目(个)", 3, 5, "开工新建省级百大项目"),
    Declared("provincial_plan_investment", "省级百大项目年度计划投资", "省百大投资", "万元", BUILD, "重点项目进展",
             "求和", "本年累计完成投资(万元)", "项目类别=省级百大", "省级百大年度计划投资(万元)", 54000, 5,
             "省级百大项目完成投资", "年度计划投资"),
    Declared("municipal_projects", "市级百大项目", "市百大", "个", BUILD, "重点项目进展", "计数", "",
             f"项目类别=市级百大；{STARTED_KEY}", "市级百大项目(个)", 10, 5, "开复工市级百大项目"),
    Declared("municipal_new_projects", "其中新建市级百大项目", "新建市百大", "个", BUILD, "重点项目进展", "计数", "",
             f"项目类别=市级百大；建设性质=新建；{STARTED_KEY}", "其中新建市级百大项目(个)", 4, 5,
             "其中新建市级百大项目开工"),
    Declared("municipal_plan_investment", "市级百大项目年度计划投资", "市百大投资", "万元", BUILD, "重点项目进展",
             "求和", "本年累计完成投资(万元)", "项目类别=市级百大", "市级百大年度计划投资(万元)", 45000, 5,
             "市级百大项目完成投资", "年度计划投资"),
    Declared("industrial_projects", "投资500万元以上产业项目", "500万以上项目", "个", BUILD, "重点项目进展", "计数", "",
             f"项目类别=500万元以上产业项目；{STARTED_KEY}", "500万元以上产业项目(个)", 16, 5,
             "开复工投资500万元以上产业项目"),
    Declared("industrial_new_projects", "其中新建500万元以上产业项目", "新建500万以上", "个", BUILD, "重点项目进展",
             "计数", "", f"项目类别=500万元以上产业项目；建设性质=新建；{STARTED_KEY}",
             "其中新建500万元以上产业项目(个)", 8, 5, "其中新建500万元以上产业项目开工"),
    Declared("industrial_plan_investment", "500万元以上产业项目年度计划投资", "500万以上投资", "万元", BUILD,
             "重点项目进展", "求和", "本年累计完成投资(万元)", "项目类别=500万元以上产业项目",
             "500万元以上产业项目年度计划投资(万元)", 55000, 5, "500万元以上产业项目完成投资", "年度计划投资"),
    Declared("planned_projects", "新策划生成总投资5000万元以上产业项目", "新策划项目", "个", PLAN_FAI, "策划储备项目",
             "计数", "", "总投资(万元)≥5000；策划生成日期在本期", "新策划生成5000万元以上项目(个)", 7, 5,
             "新策划生成总投资5000万元以上产业项目"),
    Declared("fixed_asset_investment", "固定资产投资", "固定资产投资", "万元", PLAN_FAI, "指标汇总", "填报", "", "",
             "固定资产投资(万元)", 107000, 15, "完成固定资产投资"),
)
CHAIN_SIGNED_TARGET, CHAIN_STARTED_TARGET = 2, 1      # per chain, in 2022 (DOMAIN §2)
