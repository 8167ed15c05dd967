"""The 通报 draft and the 催报 text: youyi_xl.outputs.notice.

Most tests render a fixed, hand-made result (`fake_result`: the DataFrames of the Result
contract in docs/architecture.md), so every figure in the asserted sentences is known.
One test runs the real pipeline (collect → evaluate) on a few generated returns.
"""
from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import re
import shutil
import struct
import subprocess
from pathlib import Path
from types import SimpleNamespace

import docx
import pandas as pd
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from youyi_xl.outputs import notice
from youyi_xl.core import names as output_names
from libreoffice import to_pdf
from youyi_xl.core.errors import OutputError, TemplateError, UsageError
from shipped import INDICATORS
from shipped import PLAN as SHIPPED
from youyi_xl.core.period import Period

ROOT = Path(__file__).resolve().parent.parent
DATE = dt.date(2022, 4, 6)
TOWNS = ["友谊镇", "兴隆镇", "龙山镇", "凤岗镇", "兴盛乡", "东建乡", "庆丰乡", "建设乡", "友邻乡", "新镇乡",
         "成富朝鲜族满族乡"]
DEPARTMENTS = ["发展和改革局", "经济合作促进中心", "工业和信息化局", "商务局", "农业农村局", "自然资源局",
               "住房和城乡建设局", "交通运输局"]
MISSING = {"建设乡", "交通运输局"}
WITH_ERRORS = {"兴盛乡", "商务局"}
ACTUALS = {"signed_projects": 9, "started_projects": 3, "out_of_province_funds": 12000,
           "foreign_direct_investment": 120, "provincial_new_projects": 1,
           "provincial_plan_investment": 17064, "municipal_projects": 5, "municipal_new_projects": 1,
           "municipal_plan_investment": 9000, "industrial_projects": 6, "industrial_new_projects": 2,
           "industrial_plan_investment": 13000, "planned_projects": 2, "fixed_asset_investment": 26750}
TARGETS = {**{i.key: i.county_target for i in INDICATORS},
           "out_of_province_funds": 44000, "foreign_direct_investment": 500}


BEHIND = {"signed_projects": 0.5, "fixed_asset_investment": 0.8}   # × the unit's 序时完成率; others 1.2


def indicator_cells(time_rate):
    """A unit's per-indicator columns: 签约项目 and 固定资产投资 below 序时进度 (签约项目 furthest),
    every other indicator ahead of it."""
    cells = {}
    for ind in INDICATORS:
        rate = time_rate * BEHIND[ind.key] if ind.key in BEHIND else 1.2
        cells.update({f"{ind.key}__target": 10, f"{ind.key}__actual": rate * 10 / 4, f"{ind.key}__rate": rate / 4,
                      f"{ind.key}__time_rate": rate, f"{ind.key}__colour": "green",
                      f"{ind.key}__points": 7.0})
    return cells


def unit_rows(towns=TOWNS, departments=DEPARTMENTS, missing=MISSING, with_errors=WITH_ERRORS):
    """unit_table rows: scores fall by 7.5 per rank; top 3 先进, bottom 3 后进 (all below 序时进度)."""
    rows = []
    for group, names in (("乡镇", towns), ("部门", departments)):
        for i, name in enumerate(names):
            score = 98 - i * 7.5
            status = "missing" if name in missing else "errors" if name in with_errors else "submitted"
            rows.append({"unit": name, "group": group, "order": len(rows) + 1, "status": status,
                         "file": "", "time_rate": score / 100, "points": score,
                         "deduction": {"missing": 5, "errors": 2}.get(status, 0), "score": score,
                         "rank": i + 1, "rank_label": f"第{i + 1}名", "colour": "green",
                         "advanced": i < 3, "lagging": i >= len(names) - 3,
                         "provisional": status == "errors",
                         "errors": 3 if status == "errors" else 0, "warnings": 0,
                         **indicator_cells(score / 100)})
    return rows


def county_rows(progress, actuals=ACTUALS):
    return [{"indicator": i.key, "label": i.label, "unit": i.unit, "target": TARGETS[i.key],
             "actual": actuals[i.key], "rate": actuals[i.key] / TARGETS[i.key],
             "time_rate": actuals[i.key] / TARGETS[i.key] / progress, "colour": "green"}
            for i in INDICATORS]


def chain_rows(progress):
    return [{"chain": name, "leader": "副县长（示例）", "lead_unit": "农业农村局", "partners": "",
             "signed_target": 2, "signed_actual": signed, "signed_rate": signed / 2,
             "signed_time_rate": signed / 2 / progress, "signed_colour": "green", "started_target": 1,
             "started_actual": started, "started_rate": started, "started_time_rate": started / progress,
             "started_colour": "green", "projects": signed, "units": ""}
            for name, signed, started in (("玉米(含鲜食玉米)", 2, 1), ("大豆", 1, 0), ("水稻", 0, 0),
                                          ("文化旅游", 0, 0))]


def key_project_rows(progress):
    return [{"name": name, "category": "省级百大", "nature": "新建", "unit": "友谊镇", "chain": "大豆",
             "leader": "副县长", "listed": True, "reported": reported, "plan_investment": 10000,
             "completed_investment": done, "rate": done / 10000, "time_rate": done / 10000 / progress,
             "colour": "green", "status": status, "start_date": None, "progress": "", "problems": problem,
             "file": "", "row": 0}
            for name, reported, done, status, problem in (
                ("友谊县大豆精深加工项目", True, 3000, "已开工", "建设资金到位慢"),
                ("年产5万吨鲜食玉米加工项目", True, 0, "未开工", "用地手续待批。"),
                ("友谊县粮食烘干项目", True, 500, "已开工", "建设资金到位慢"),
                ("友谊县冷链物流园项目", False, 0, None, ""))]


def fake_result(month=3, units=None, actuals=ACTUALS):
    progress = month / 12
    units = units if units is not None else unit_rows()
    return SimpleNamespace(
        period=Period(2022, month), time_progress=progress,
        unit_records=units, unit_table=pd.DataFrame(units),
        county_table=pd.DataFrame(county_rows(progress, actuals)),
        chain_table=pd.DataFrame(chain_rows(progress)),
        key_project_table=pd.DataFrame(key_project_rows(progress)), issue_list=[], plan=SHIPPED)


def text_of(path):
    """Body paragraphs in order, with each table's cells where the table stands."""
    document = docx.Document(str(path))
    parts = []
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            parts += [c.text for r in item.rows for c in r.cells]
        else:
            parts.append(item.text)
    return "\n".join(parts)


def record_table(document):
    """The 版记: a table in the even-page footer of the last section."""
    return document.sections[-1].even_page_footer.tables[0]


def text_of_record(document):
    return "\n".join(c.text for r in record_table(document).rows for c in r.cells)


def paragraph_with(document, text):
    return next(p for p in document.paragraphs if text in p.text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("notice") / output_names.notice_name("2022-03")
    docx_path, html_path = notice.render_notice(fake_result(), out, date=DATE)
    return docx_path, html_path, docx.Document(str(docx_path))


@pytest.fixture()
def clerk_copy(tmp_path):
    """A clerk's copy of the shipped template, as `copy_template` hands it out."""
    return notice.copy_template(tmp_path)


def add_paragraph_before(document, anchor_text, text, style="Normal"):
    anchor = paragraph_with(document, anchor_text)
    return anchor.insert_paragraph_before(text, style=style)


# ---------------------------------------------------------------- what the draft says

def test_render_writes_docx_and_html_side_by_side(rendered):
    docx_path, html_path, _ = rendered
    assert docx_path.name == "通报-2022-03.docx" and docx_path.is_file()
    assert html_path == docx_path.with_name("通报-2022-03.html") and html_path.is_file()
    properties = rendered[2].core_properties
    assert properties.title == "关于2022年一季度全县招商引资和项目建设情况的通报"
    assert properties.author == "友谊县人民政府办公室"


def test_render_into_a_folder_names_the_files(tmp_path):
    docx_path, html_path = notice.render_notice(fake_result(6), tmp_path, date=DATE)
    assert (docx_path.name, html_path.name) == ("通报-2022-06.docx", "通报-2022-06.html")
    assert notice.write_reminder(fake_result(6), tmp_path, DATE).name == "催报-2022-06.txt"


@pytest.mark.parametrize("month, phase", [(3, "一季度"), (6, "上半年"), (9, "前三季度"), (12, "全年"),
                                          (5, "1—5月"), (1, "1月")])
def test_title_names_the_period(month, phase, tmp_path):
    title = f"关于2022年{phase}全县招商引资和项目建设情况的通报"
    assert notice.notice_context(fake_result(month), DATE)["title"] == title
    path, _ = notice.render_notice(fake_result(month), tmp_path / "n.docx", date=DATE)
    first = docx.Document(str(path)).paragraphs[0]
    assert first.style.name == "公文标题"
    assert first.text.replace("\n", "") == title


def test_outline_follows_the_county_bulletin(rendered):
    text = text_of(rendered[0])
    outline = ["各乡（镇）人民政府，县政府直属和在县中、省直各有关单位：", "现将有关情况通报如下：",
               "一、总体情况", "二、产业链和重点项目推进情况", "三、考评排名情况", "四、存在问题",
               "五、下步工作要求", "特此通报。", "附件：2022年一季度全县招商引资和项目建设成绩单",
               "友谊县人民政府办公室", "2022年4月6日", "\n附件1\n", "\n附件2\n"]
    outline[8] = "附件：1.2022年一季度乡镇招商引资和项目建设考评排名"
    positions = [text.index(part) for part in outline]
    assert positions == sorted(positions)
    record = text_of_record(rendered[2])
    assert record.startswith("抄送：") and record.endswith("2022年4月6日印发")


def test_totals_against_targets_and_schedule(rendered):
    text = text_of(rendered[0])
    assert "2022年1—3月，序时进度为25.0%。" in text
    assert "新签约招商引资项目9个，完成年度目标38个的23.7%，低于序时进度1.3个百分点" in text
    assert "省级百大项目完成投资1.71亿元，占年度计划投资5.40亿元的31.6%，超序时进度6.6个百分点" in text
    assert "实际利用省外资金1.20亿元，占年度目标4.40亿元的27.3%，超序时进度2.3个百分点" in text
    assert "直接利用外资120万美元，占市定目标500万美元的24.0%" in text
    # one money style within a sentence: 9000万元 beside 4.50亿元 is written 0.90亿元
    assert "市级百大项目完成投资0.90亿元，占年度计划投资4.50亿元的20.0%，低于序时进度5.0个百分点" in text
    assert "完成固定资产投资2.68亿元，占年度目标10.70亿元的25.0%，与序时进度持平" in text


def test_named_advanced_lagging_missing_and_wrong_units(rendered):
    document = rendered[2]
    towns = paragraph_with(document, "（一）乡镇组。").text
    assert "先进单位是友谊镇（第1名，98.00分）、兴隆镇（第2名，90.50分）、龙山镇（第3名，83.00分）" in towns
    assert "后进单位是友邻乡（第9名，38.00分）、新镇乡（第10名，30.50分）、成富朝鲜族满族乡" in towns
    departments = paragraph_with(document, "（二）部门组。").text
    assert "发展和改革局" in departments and "交通运输局（第8名，45.50分）" in departments
    reporting = paragraph_with(document, "（三）报送情况。").text
    assert "建设乡、交通运输局未按时报送调度数据，已按考核细则扣分" in reporting
    assert "兴盛乡（3处）、商务局（3处）报送的数据有误" in reporting


def test_problems_are_derived_from_the_figures(rendered):
    document = rendered[2]
    problems = [p.text for p in document.paragraphs if re.match(r"[一二三四五六]是", p.text)]
    assert problems[0].startswith("一是部分指标进度滞后。")
    assert "市级百大项目年度计划投资完成率仅为20.0%" in problems[0]
    assert any("建设乡、交通运输局等2个单位未按时报送" in p for p in problems)
    assert any("水稻、文化旅游等2条产业链尚无签约项目" in p for p in problems)


def test_chain_and_key_project_highlights(rendered):
    text = text_of(rendered[0])
    assert "全县4条产业链共签约总投资5000万元以上项目3个、落地开工项目1个" in text
    assert "年产5万吨鲜食玉米加工项目尚未开工；友谊县冷链物流园项目（友谊镇）未报送进展情况" in text


def test_a_unit_on_schedule_is_never_named_lagging():
    units = [dict(row, lagging=False) for row in unit_rows()]
    context = notice.notice_context(fake_result(units=units), DATE)
    assert all(not group["lagging"] for group in context["groups"])
    assert "没有后进单位" in context["groups"][0]["sentence"]


def test_nothing_to_report_reads_as_such():
    on_time = unit_rows(missing=set(), with_errors=set())
    ahead = {key: TARGETS[key] for key in ACTUALS}
    context = notice.notice_context(fake_result(units=[dict(r, lagging=False) for r in on_time],
                                                actuals=ahead), DATE)
    assert context["reporting"]["sentence"].startswith("各承标单位均按时报送")
    assert not any("指标" in p and "滞后" in p for p in context["problems"])


def test_date_defaults_to_today_and_is_validated():
    today = dt.date.today()
    assert notice.notice_context(fake_result())["date"] == f"{today.year}年{today.month}月{today.day}日"
    assert notice.notice_context(fake_result(), "2022-04-06")["date"] == "2022年4月6日"
    with pytest.raises(UsageError, match="成文日期"):
        notice.notice_context(fake_result(), "4月6日")


# ---------------------------------------------------------------- GB/T 9704 layout

def test_page_setup(rendered):
    section = rendered[2].sections[0]
    def mm(length):          # Word stores twips: 210 mm is 11906 twips, 209.999 mm
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (37, 35)
    assert (mm(section.left_margin), mm(section.right_margin)) == (28, 26)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert int(grid.get(qn("w:linePitch"))) == 579             # 28.95 pt: 22 lines in 225 mm
    assert 22 * 28.95 <= (297 - 37 - 35) / 25.4 * 72 < 23 * 28.95


def east_asian_font(style):
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_fonts_sizes_and_paragraphs(rendered):
    styles = rendered[2].styles
    expected = {"公文标题": ("方正小标宋简体", 22), "Normal": ("仿宋_GB2312", 16), "一级标题": ("黑体", 16),
                "二级标题": ("楷体_GB2312", 16), "版记": ("仿宋_GB2312", 14), "页码": ("宋体", 14)}
    for name, (font, size) in expected.items():
        assert east_asian_font(styles[name]) == font, name
        assert styles[name].font.size == Pt(size), name
    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95) and normal.first_line_indent == Pt(32)
    assert styles["公文标题"].paragraph_format.alignment == 1          # centred
    condensed = int(styles["Normal"].element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 28 * (16 + condensed) <= 156 / 25.4 * 72 < 29 * (16 + condensed)   # 28 characters a line


def test_headings_use_their_fonts(rendered):
    document = rendered[2]
    assert paragraph_with(document, "一、总体情况").style.name == "一级标题"
    run = paragraph_with(document, "（一）招商引资。").runs[0]
    assert run.text == "（一）招商引资。" and run.style.name == "二级标题"


def test_page_numbers_odd_right_even_left(rendered):
    document = rendered[2]
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert "PAGE" in paragraph._p.xml
        assert east_asian_font(paragraph.style) == "宋体" and paragraph.style.font.size == Pt(14)


def test_record_has_cc_and_printer(rendered):
    table = record_table(rendered[2])
    cc, printed = (row.cells[0].text for row in table.rows)
    assert cc.startswith("抄送：县委办")
    assert printed == "友谊县人民政府办公室\t2022年4月6日印发"


def test_shipped_template_is_built_by_the_tool():
    spec = importlib.util.spec_from_file_location("build_notice_template",
                                                  ROOT / "tools" / "build_notice_template.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.build() == (ROOT / "youyi_xl" / "outputs" / "notice" / "notice.docx").read_bytes()


# ---------------------------------------------------------------- LibreOffice: PDF and PNG

needs_soffice = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")
                                        and shutil.which("pdfinfo") and shutil.which("pdftoppm")),
                                   reason="LibreOffice or poppler-utils not installed")


@pytest.fixture(scope="module")
def pdf(rendered):
    return to_pdf(rendered[0])


def poppler(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@needs_soffice
def test_pdf_pages_are_a4_and_hold_the_text(pdf):
    info = poppler("pdfinfo", "-f", "1", "-l", "99", str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in sizes)
    text = "".join(poppler("pdftotext", str(pdf), "-").split())
    assert "关于2022年一季度全县招商引资和项目建设情况的通报" in text
    assert "新签约招商引资项目9个，完成年度目标38个的23.7%" in text
    assert "—1—" in text


@needs_soffice
def test_pdf_title_is_centred_and_pages_hold_22_lines(pdf):
    layout = poppler("pdftotext", "-f", "1", "-l", "1", "-bbox-layout", str(pdf), "-")
    lines = [(float(a), float(b)) for a, b in
             re.findall(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', layout)]
    points = 72 / 25.4
    text_centre = (28 + 156 / 2) * points
    for left, right in lines[:2]:                          # the title's two lines
        assert abs((left + right) / 2 - text_centre) < 3
    assert abs(lines[2][0] - 28 * points) < 1              # 主送 starts at the left margin
    page2 = poppler("pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-")
    lines = [line for line in page2.splitlines() if line.strip() and "—" not in line.strip()[:2]]
    assert 19 <= len(lines) <= 22


@needs_soffice
def test_first_page_as_png(pdf, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                   check=True)
    png = next(tmp_path.glob("p*.png")).read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert abs(height / width - 297 / 210) < 0.01
    assert len(png) > 10_000          # not a blank page


# ---------------------------------------------------------------- a clerk's template

def test_clerk_edits_render(clerk_copy, tmp_path):
    document = docx.Document(str(clerk_copy))
    add_paragraph_before(document, "特此通报。", "请各单位于4月15日前将整改情况报县发改局。")
    removed = paragraph_with(document, "（三）提高报送质量。")
    removed._p.getparent().remove(removed._p)
    document.save(str(clerk_copy))
    out, _ = notice.render_notice(fake_result(), tmp_path / "n.docx", template=clerk_copy, date=DATE)
    text = text_of(out)
    assert "请各单位于4月15日前将整改情况报县发改局。" in text
    assert "提高报送质量" not in text
    assert "新签约招商引资项目9个" in text


def test_clerk_may_use_fields_and_filters(clerk_copy, tmp_path):
    document = docx.Document(str(clerk_copy))
    add_paragraph_before(document, "特此通报。", "省外资金{{ county.out_of_province_funds.actual | yi }}，"
                         "{% for g in groups %}{{ g.name }}{{ g.advanced_names }}；{% endfor %}")
    document.save(str(clerk_copy))
    out, _ = notice.render_notice(fake_result(), tmp_path / "n.docx", template=clerk_copy, date=DATE)
    assert "省外资金1.20亿元，乡镇友谊镇、兴隆镇、龙山镇；部门发展和改革局" in text_of(out)


def test_tag_split_over_plain_runs_still_renders(clerk_copy, tmp_path):
    document = docx.Document(str(clerk_copy))
    paragraph = add_paragraph_before(document, "特此通报。", "落款：{{ iss")
    paragraph.add_run("uer }}").bold = True          # Word splits a run where formatting changes
    document.save(str(clerk_copy))
    out, _ = notice.render_notice(fake_result(), tmp_path / "n.docx", template=clerk_copy, date=DATE)
    assert "落款：友谊县人民政府办公室" in text_of(out)


def edited(clerk_copy, text):
    document = docx.Document(str(clerk_copy))
    add_paragraph_before(document, "特此通报。", text)
    document.save(str(clerk_copy))
    return clerk_copy


def test_unknown_variable_is_named(clerk_copy, tmp_path):
    template = edited(clerk_copy, "请{{ county_leader }}同志阅示。")
    with pytest.raises(TemplateError, match="未定义的变量“county_leader”") as caught:
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)
    assert "请{{ county_leader }}同志阅示" in str(caught.value)
    assert not (tmp_path / "n.docx").exists()


def test_unknown_attribute_is_named(clerk_copy, tmp_path):
    template = edited(clerk_copy, "{{ county.signed_projects.sentense }}")
    with pytest.raises(TemplateError, match="未定义的变量“sentense”"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)


def test_curly_quotes_in_a_tag_are_caught(clerk_copy, tmp_path):
    template = edited(clerk_copy, "{{ issuer | default(“县政府办”) }}")
    with pytest.raises(TemplateError, match="弯引号") as caught:
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)
    assert "default(“县政府办”)" in str(caught.value)


def test_full_width_braces_are_caught(clerk_copy, tmp_path):
    template = edited(clerk_copy, "｛｛ issuer ｝｝")
    with pytest.raises(TemplateError, match="全角"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)


def test_tag_across_paragraphs_is_caught(clerk_copy, tmp_path):
    document = docx.Document(str(clerk_copy))
    add_paragraph_before(document, "特此通报。", "{{ issuer")
    add_paragraph_before(document, "特此通报。", "}}")
    document.save(str(clerk_copy))
    with pytest.raises(TemplateError, match="同一段"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=clerk_copy, date=DATE)


def test_tag_split_by_a_hyperlink_is_caught(clerk_copy, tmp_path):
    document = docx.Document(str(clerk_copy))
    paragraph = add_paragraph_before(document, "特此通报。", "{{ iss")
    link = OxmlElement("w:hyperlink")
    link.append(copy.deepcopy(paragraph.runs[0]._r))
    link[0].find(qn("w:t")).text = "uer }}"
    paragraph._p.append(link)
    document.save(str(clerk_copy))
    with pytest.raises(TemplateError, match="隔断"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=clerk_copy, date=DATE)


def test_syntax_error_names_the_place(clerk_copy, tmp_path):
    template = edited(clerk_copy, "{% if %}不完整的条件{% endif %}")
    with pytest.raises(TemplateError, match="语法错误.*不完整的条件"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)


def test_template_cannot_reach_python_internals(clerk_copy, tmp_path):
    template = edited(clerk_copy, "{{ issuer.__class__.__mro__ }}")
    with pytest.raises(TemplateError, match="unsafe"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=template, date=DATE)


def test_template_that_is_not_a_docx(tmp_path):
    fake = tmp_path / "通报模板.docx"
    fake.write_text("不是 Word 文档", encoding="utf-8")
    with pytest.raises(TemplateError, match="不是有效的 Word 文档"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=fake, date=DATE)
    old = tmp_path / "通报模板.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(TemplateError, match="另存为"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=old, date=DATE)
    with pytest.raises(TemplateError, match="找不到"):
        notice.render_notice(fake_result(), tmp_path / "n.docx", template=tmp_path / "无.docx", date=DATE)


def test_copy_template_does_not_overwrite(tmp_path):
    first = notice.copy_template(tmp_path)
    assert first.name == "通报模板.docx"
    with pytest.raises(OutputError):
        notice.copy_template(first)


# ---------------------------------------------------------------- data from units is text

def test_unit_names_are_escaped(tmp_path):
    units = unit_rows(towns=["<script>alert(1)</script>镇", "A&B乡", *TOWNS[2:]],
                      missing={"<script>alert(1)</script>镇", "A&B乡"})
    docx_path, html_path = notice.render_notice(fake_result(units=units), tmp_path / "n.docx", date=DATE)
    assert "<script>alert(1)</script>镇、A&B乡未按时报送" in text_of(docx_path)
    html = html_path.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;镇、A&amp;B乡未按时报送" in html


def test_control_characters_from_returns_are_dropped(tmp_path):
    units = unit_rows(towns=["友谊\x07镇", *TOWNS[1:]])
    docx_path, _ = notice.render_notice(fake_result(units=units), tmp_path / "n.docx", date=DATE)
    assert "友谊镇（第1名" in text_of(docx_path)


def test_html_shows_the_same_draft(rendered):
    html = rendered[1].read_text(encoding="utf-8")
    assert "<title>关于2022年一季度全县招商引资和项目建设情况的通报</title>" in html
    assert '<p class="title">' in html and '<p class="h1"><span>一、总体情况</span></p>' in html
    assert '<span class="h2">（一）招商引资。</span>' in html
    assert "新签约招商引资项目9个，完成年度目标38个的23.7%" in html


def test_the_html_file_is_the_page_written_as_it_is_made(rendered, tmp_path):
    """The .html beside the .docx is written from the page's parts as they are made (a table's
    rows read as the page reaches them): byte for byte the page `notice_html` gives, "\n" line
    ends on every system, every table row of the .docx in it."""
    import docx

    from youyi_xl.outputs.notice import html

    docx_path, html_path, _ = rendered
    document = docx.Document(str(docx_path))
    page = html.notice_html(document, notice.notice_context(fake_result(), DATE))
    assert html_path.read_bytes() == page.encode("utf-8") and b"\r" not in html_path.read_bytes()
    again = html.write_notice_html(document, notice.notice_context(fake_result(), DATE), tmp_path / "again.html")
    assert again.read_bytes() == html_path.read_bytes()
    footer = document.sections[-1].even_page_footer.tables
    rows = sum(len(t.rows) for t in (*document.tables, *footer))
    assert rows > 3 and page.count("<tr>") == rows


# ---------------------------------------------------------------- 催报

def test_reminder_lists_missing_units_by_group(tmp_path):
    text = notice.render_reminder(fake_result(), DATE)
    assert text.startswith("关于报送2022年1—3月招商引资和项目建设调度数据的催报")
    assert "乡镇（1个）：建设乡" in text and "部门（1个）：交通运输局" in text
    assert "截至2022年4月6日，上述2个单位尚未报送" in text
    path = notice.write_reminder(fake_result(), tmp_path / output_names.reminder_name("2022-03"), DATE)
    assert path.name == "催报-2022-03.txt"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b"")


def test_reminder_when_everyone_reported():
    units = unit_rows(missing=set())
    text = notice.render_reminder(fake_result(units=units), DATE)
    assert "均已报送" in text and "无需催报" in text


def test_reminder_template_of_the_clerk(tmp_path):
    mine = tmp_path / "催报.txt.j2"
    mine.write_text("请{{ units_text }}于{{ deadline }}报送。", encoding="utf-8")
    assert notice.render_reminder(fake_result(), DATE, mine) == "请建设乡、交通运输局于收到本通知后2个工作日内报送。"
    mine.write_text("{{ 联系人 }}", encoding="utf-8")
    with pytest.raises(TemplateError, match="未定义的变量“联系人”"):
        notice.render_reminder(fake_result(), DATE, mine)


# ---------------------------------------------------------------- the real pipeline

def test_real_pipeline_result_renders(tmp_path):
    import builders
    import youyi_xl

    plan = youyi_xl.load_plan()
    folder = tmp_path / "returns"
    folder.mkdir()
    builders.write_return(folder / "友谊镇.xlsx", unit="友谊镇人民政府")
    builders.write_return(folder / "兴隆镇.xlsx", unit="兴隆镇",
                          projects=[builders.project(name="<b>项目</b> & 二期", investor="某公司")])
    builders.write_return(folder / "发改局.xlsx", unit="发改局",
                          projects=[builders.project(total_investment="约500")])
    result = youyi_xl.evaluate(youyi_xl.collect(folder, "2022-03", plan), plan)
    docx_path, html_path = notice.render_notice(result, tmp_path / "通报-2022-03.docx", date=DATE)
    text = text_of(docx_path)
    assert "关于2022年一季度全县" in text and "发展和改革局（1处）报送的数据有误" in text
    assert "龙山镇" in text and "未按时报送调度数据" in text
    assert "<b>" not in html_path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- reasons, not only scores (§7.1)

def comparison(previous_status=None, previous_lagging=None):
    """A history.Comparison with the earlier period 2021-12's verdicts (no rank moves)."""
    from youyi_xl.evaluation.history import Comparison

    return Comparison(Period(2022, 1), previous_status=previous_status or {},
                      previous_lagging=previous_lagging or {}, headline="signed_projects",
                      county_new={"signed_projects": 2})


def with_history(result, **kwargs):
    result.comparison = comparison(**kwargs)
    return result


def test_each_lagging_unit_is_followed_by_its_reason(rendered):
    towns = paragraph_with(rendered[2], "（一）乡镇组。").text
    assert ("其中，友邻乡签约项目、固定资产投资低于序时进度；新镇乡签约项目、固定资产投资低于序时进度；"
            "成富朝鲜族满族乡签约项目、固定资产投资低于序时进度。") in towns
    departments = paragraph_with(rendered[2], "（二）部门组。").text
    assert "住房和城乡建设局签约项目、固定资产投资低于序时进度" in departments
    assert "交通运输局未按时报送调度数据" in departments.split("其中，")[1]


def test_reasons_name_the_indicators_furthest_behind_first():
    units = unit_rows()
    lagging = next(u for u in units if u["unit"] == "新镇乡")
    for ind in INDICATORS[:6]:                                   # six more behind, 落地开工 the furthest of them
        lagging[f"{ind.key}__time_rate"] = 0.9 - 0.1 * (ind.key == "started_projects")
    group = notice.notice_context(fake_result(units=units), DATE)["groups"][0]
    reason = next(u["reason"] for u in group["lagging"] if u["unit"] == "新镇乡")
    # 固定资产投资 0.8 × 30.5% first; then 落地开工 80%, then the 90% ones in plan order
    assert reason == "固定资产投资、落地开工、签约项目、省外资金等7项指标低于序时进度"


def test_units_lagging_or_missing_twice_are_named():
    result = with_history(fake_result(), previous_status={"建设乡": "missing", "交通运输局": "submitted"},
                          previous_lagging={"新镇乡": True, "友邻乡": False})
    context = notice.notice_context(result, DATE)
    towns = context["groups"][0]["sentence"]
    assert "新镇乡签约项目、固定资产投资低于序时进度，连续两期排名后进" in towns
    assert "友邻乡签约项目、固定资产投资低于序时进度；" in towns             # 后进 once only
    assert context["consecutive"]["units"] == ["建设乡", "新镇乡"]       # rank order
    assert context["consecutive"]["text"] == "连续两期排名后进的新镇乡和连续两期未按时报送的建设乡"
    assert "建设乡、交通运输局未按时报送调度数据（其中建设乡连续两期未按时报送）" in context["reporting"]["sentence"]
    assert any("其中新镇乡连续两期排名靠后" in p for p in context["problems"])


def test_escalation_is_a_sentence_of_the_template(tmp_path):
    """约谈 is the template's wording, shown only when a unit was 后进 or 未报送 twice running; the
    code supplies who, never the escalation."""
    context = notice.notice_context(fake_result(), DATE)
    assert "约谈" not in str(context)
    plain, _ = notice.render_notice(fake_result(), tmp_path / "plain.docx", date=DATE)
    assert "约谈" not in text_of(plain)
    lagging = with_history(fake_result(), previous_lagging={"新镇乡": True})
    flagged, _ = notice.render_notice(lagging, tmp_path / "flagged.docx", date=DATE)
    assert ("对连续两期排名后进的新镇乡，由县发改局、县政府督查室约谈其主要负责同志，限期整改"
            in text_of(flagged))
    assert "约谈其主要负责同志" in text_of(ROOT / "youyi_xl" / "outputs" / "notice" / "notice.docx")


def test_slow_key_projects_are_named_with_their_completion():
    sentence = notice.notice_context(fake_result(), DATE)["key_projects"]["sentence"]
    assert sentence.endswith("投资完成率不足序时进度一半的有年产5万吨鲜食玉米加工项目（友谊镇，完成投资0万元，"
                             "占年度计划投资的0.0%）、友谊县粮食烘干项目（友谊镇，完成投资500万元，占年度计划投资的5.0%）。")
    assert "友谊县大豆精深加工项目（" not in sentence                     # 30% against 25%: on schedule


def test_problems_draw_on_the_returns_column():
    problems = notice.notice_context(fake_result(), DATE)["problems"]
    quoted = next(p for p in problems if "各单位报送的重点项目中" in p)
    assert quoted.endswith("反映“建设资金到位慢”的2个、“用地手续待批”的1个。")


def test_corrections_deadline_in_the_requirements_and_the_reporting(tmp_path):
    path, _ = notice.render_notice(fake_result(), tmp_path / "n.docx", date=DATE)
    document = docx.Document(str(path))
    assert "于2022年4月13日前重新报送" in paragraph_with(document, "（三）提高报送质量。").text   # a week on
    assert "请于2022年4月13日前按退回意见更正后重新报送" in paragraph_with(document, "（三）报送情况。").text
    path, _ = notice.render_notice(fake_result(), tmp_path / "d.docx", date=DATE, deadline="2022-04-20")
    assert "于2022年4月20日前重新报送" in text_of(path)
    with pytest.raises(UsageError):
        notice.notice_context(fake_result(), DATE, deadline="下周")


def test_provisional_ranks_are_said_not_claimed(rendered):
    """Units 数据有误 keep ranks computed without their faulty rows: 暂列, 待更正, and no claim that
    the data were corrected."""
    text = text_of(rendered[0])
    assert "已逐一退回核实更正" not in text
    reporting = paragraph_with(rendered[2], "（三）报送情况。").text
    assert "兴盛乡（3处）、商务局（3处）报送的数据有误，有误部分暂未计入统计，名次为暂列、待更正后重新核定" in reporting
    context = notice.notice_context(fake_result(), DATE)
    towns = {u["unit"]: u for u in context["groups"][0]["ranking"]}
    assert towns["兴盛乡"]["label"] == "兴盛乡（暂列第5名，68.00分，名次待更正）"
    rows = {r["unit"]: r for r in context["attachments"][0]["rows"]}
    assert rows["兴盛乡"]["verdict"] == "待更正" and rows["建设乡"]["verdict"] == "未报送"
    assert "兴盛乡报送数据有误，有误部分暂未计入，名次为暂列，待更正后重新核定" in context["attachments"][0]["note"]


# ---------------------------------------------------------------- 附件 pages (GB/T 9704 7.3.7)

def test_attachments_follow_the_date_as_pages_with_the_ranking_tables(rendered):
    document = rendered[2]
    body = list(document.iter_inner_content())
    date = next(i for i, p in enumerate(body) if getattr(p, "text", "") == "2022年4月6日")
    marks = [i for i, p in enumerate(body) if not isinstance(p, docx.table.Table) and p.style.name == "附件标识"]
    assert [body[i].text for i in marks] == ["附件1", "附件2"] and marks[0] > date
    style = document.styles["附件标识"]
    assert east_asian_font(style) == "黑体" and style.font.size == Pt(16)
    assert style.paragraph_format.page_break_before and style.paragraph_format.first_line_indent == Pt(0)
    groups = [("乡镇", TOWNS), ("部门", DEPARTMENTS)]
    for mark, (group, units) in zip(marks, groups):
        blank, title, after, table = body[mark + 1:mark + 5]
        assert blank.text == "" and after.text == ""                  # the title on the third line
        assert title.text == f"2022年一季度{group}\n招商引资和项目建设考评排名"
        assert title.alignment == 1 or document.styles["附件标题"].paragraph_format.alignment == 1
        assert isinstance(table, docx.table.Table)
        rows = [[c.text for c in r.cells] for r in table.rows]
        assert rows[0] == ["名次", "单位", "综合得分", "综合序时完成率", "评定"]
        assert [r[1] for r in rows[1:]] == units                       # every ranked unit, in rank order
        assert rows[1][:4] == ["第1名", units[0], "98.00", "98.0%"] and rows[1][4] == "先进"
    lines = [p.text for p in document.paragraphs if p.style.name in ("附件说明", "附件说明续")]
    assert lines == ["附件：1.2022年一季度乡镇招商引资和项目建设考评排名",
                     "2.2022年一季度部门招商引资和项目建设考评排名"]
    assert "（详见附件1、2）" in paragraph_with(document, "进行了考评排名").text


def test_record_is_the_even_footer_of_a_last_section_starting_on_an_even_page(rendered):
    section = rendered[2].sections[-1]
    assert section.start_type == docx.enum.section.WD_SECTION.EVEN_PAGE
    assert section.footer_distance == section.bottom_margin               # its foot is the 版心's foot
    assert not section.footer.tables and not section.footer.paragraphs[0].text   # the blank page stays blank
    assert "抄送：" in text_of_record(rendered[2])


# ---------------------------------------------------------------- the printed 附件 and 版记 (LibreOffice)

MM = 72 / 25.4
TOP, LEFT, WIDTH, BOTTOM = 37 * MM, 28 * MM, 156 * MM, (297 - 35) * MM     # the 版心
LINE_PT = 28.95


def pdf_pages(pdf_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(pdf_path) as document:
        return [(page.extract_words(), page.lines, "".join(c["text"] for c in page.chars))
                for page in document.pages]


@needs_soffice
def test_pdf_attachment_pages(pdf):
    """Each 附件 starts a page: 附件N on the first line at the left margin, its title centred on the
    third line, and its table names every ranked unit of the group."""
    pages = pdf_pages(pdf)
    starts = [(n, words) for n, (words, _, _) in enumerate(pages) if words and words[0]["text"] == "附件"]
    assert [words[1]["text"] for _, words in starts] == ["1", "2"]
    for (n, words), units in zip(starts, (TOWNS, DEPARTMENTS)):
        heading, title = words[0], next(w for w in words if w["text"].startswith("2022"))
        assert TOP <= heading["top"] < TOP + LINE_PT and abs(heading["x0"] - LEFT) < 1.5
        assert TOP + 2 * LINE_PT <= title["top"] < TOP + 3 * LINE_PT                 # the third line
        line = [w for w in words if abs(w["top"] - title["top"]) < 2]
        centre = (line[0]["x0"] + line[-1]["x1"]) / 2
        assert abs(centre - (LEFT + WIDTH / 2)) < 3
        text = pages[n][2] + (pages[n + 1][2] if n + 1 < len(pages) else "")
        assert all(unit in text for unit in units), n


def record_position(pages):
    """(1-based page of the 版记, the y of its last rule, its other words' text)."""
    n = next(i for i, (_, _, text) in enumerate(pages) if "抄送：" in text) + 1
    words, lines, _ = pages[n - 1]
    rules = sorted((line for line in lines if abs(line["top"] - line["bottom"]) < 0.5), key=lambda l: l["top"])
    assert rules and abs(rules[-1]["x0"] - LEFT) < 1.5 and abs(rules[-1]["x1"] - (LEFT + WIDTH)) < 1.5
    return n, rules[-1]["top"], "".join(w["text"] for w in words)


@pytest.mark.slow
@needs_soffice
def test_pdf_record_at_the_foot_of_the_last_even_page(pdf, tmp_path):
    """The 版记's last rule lies on the 版心's bottom edge of the last page, an even one, whichever
    parity the text ends on (one page more of text: the other parity, and a blank page between)."""
    document = docx.Document(str(notice.copy_template(tmp_path)))
    for _ in range(22):
        add_paragraph_before(document, "特此通报。", "（补充说明。）")
    document.save(str(tmp_path / "longer.docx"))
    longer, _ = notice.render_notice(fake_result(), tmp_path / "n.docx", template=tmp_path / "longer.docx",
                                     date=DATE)
    endings = []
    for pages in (pdf_pages(pdf), pdf_pages(to_pdf(longer, tmp_path))):
        page, rule, text = record_position(pages)
        assert page == len(pages) and page % 2 == 0
        assert abs(rule - BOTTOM) < 2.5, rule
        assert text.startswith("抄送：") and text.endswith("印发") and "—" not in text   # no page number
        content = max(i for i, (words, _, _) in enumerate(pages[:-1], 1) if words)
        assert all(not words for words, _, _ in pages[content:-1])    # only blank pages in between
        endings.append(content % 2)
    assert sorted(endings) == [0, 1]


@needs_soffice
def test_pdf_names_each_lagging_unit_with_its_reason(pdf):
    text = "".join("".join(t.split()) for _, _, t in pdf_pages(pdf))
    for unit in ("友邻乡", "新镇乡", "成富朝鲜族满族乡", "自然资源局", "住房和城乡建设局"):
        assert f"{unit}签约项目、固定资产投资低于序时进度" in text or f"{unit}未按时报送" in text, unit
    assert "交通运输局未按时报送调度数据" in text


def test_the_html_reads_table_rows_as_python_docx_gives_their_cells():
    """A row is read from its <w:tc> elements straight unless a cell is merged: then python-docx's
    cells (a spanning cell once per column, a continued vertical merge as the cell above). Both
    give what the cells' paragraphs give."""
    import docx

    from youyi_xl.outputs.notice import html

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"{r}{c}"
    table.rows[0].cells[2].add_paragraph("第二段")
    table.cell(1, 0).merge(table.cell(1, 1))            # a span of two columns
    table.cell(1, 2).merge(table.cell(2, 2))            # a vertical merge
    styles = html._Styles(document)

    def expected(row):
        return [[html._paragraph_block(p, styles) for p in cell.paragraphs] for cell in row.cells]
    blocks = [html._row_block(row, styles) for row in table.rows]
    assert blocks == [expected(row) for row in table.rows]
    texts = [["".join(run["lines"][0][0] for p in cell for run in p["runs"]) for cell in row] for row in blocks]
    assert texts[0] == ["00", "01", "02第二段"] and len(blocks[1]) == 3 and texts[2][2] == texts[1][2]
    assert not any(html._merged(tc) for tc in table.rows[0]._tr.findall(html._TC))


def test_the_html_reads_a_paragraph_as_python_docx_does():
    """The 通报 HTML reads paragraphs from the XML directly (fast for 50,000 table paragraphs): every
    kind of run content gives python-docx's Run.text, and style ids and alignment are the same."""
    import docx
    from docx.enum.text import WD_BREAK, WD_PARAGRAPH_ALIGNMENT
    from docx.oxml import OxmlElement

    from youyi_xl.outputs.notice import html

    document = docx.Document()
    paragraph = document.add_paragraph("甲", style="Heading 1")
    run = paragraph.add_run("乙\t丙")
    run.add_break()
    run.add_break(WD_BREAK.PAGE)
    run.add_text("丁")
    for tag in ("w:cr", "w:noBreakHyphen", "w:ptab"):
        run._r.append(OxmlElement(tag))
    run.style = document.styles.add_style("强调", 2)
    paragraph.alignment = WD_PARAGRAPH_ALIGNMENT.CENTER
    plain = document.add_paragraph("戊")
    styles = html._Styles(document)
    for p in (paragraph, plain):
        assert [html._run_text(r._r) for r in p.runs] == [r.text for r in p.runs]
        assert html._style_id(p._p, html._PPR, html._PSTYLE) == (p._p.pPr.style if p._p.pPr is not None else None)
    assert html._run_text(run._r) == "乙\t丙\n丁\n-\t"
    assert styles.paragraph(paragraph) == "Heading 1" and styles.run(run._r) == "强调"
    assert styles.paragraph(plain) == "Normal"
    block = html._paragraph_block(paragraph, styles)
    assert block["runs"][1] == {"css": "", "lines": [["乙", "丙"], ["丁"], ["-", ""]]}
    assert html._paragraph_block(document.add_paragraph("己"), styles)["css"] == "body"
    right = document.add_paragraph("庚")
    right.alignment = WD_PARAGRAPH_ALIGNMENT.RIGHT
    assert html._paragraph_block(right, styles)["css"] == "right"
