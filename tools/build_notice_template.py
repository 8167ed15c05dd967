"""Build the shipped 通报 template, youyi_xl/outputs/notice/notice.docx, with python-docx.

Run from the repository root:  python tools/build_notice_template.py [OUT.docx]

The template is a Word document with Jinja tags (rendered by docxtpl), laid out after
GB/T 9704-2012 《党政机关公文格式》:

- A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (so bottom 35 mm, right 26 mm);
- 22 lines of 28 characters: document grid (line pitch 28.95 pt, character pitch 15.79 pt)
  and, so that LibreOffice and WPS agree with Word, fixed 28.95 pt line spacing;
- title 2号 方正小标宋简体 centred; body 3号 仿宋_GB2312, first line indented two characters;
  一、 headings 黑体, （一） headings 楷体_GB2312 (a character style, run-in as bulletins write them);
- page numbers "— 1 —" in 4号 宋体 (半角 digits), odd pages right and even pages left, one
  character in from the edge;
- after the 成文日期, one 附件 page per ranking table (GB/T 9704 7.3.7 / 8: "附件1" 3号黑体 flush
  left on the first line, the title centred on the third line), named by the 附件说明;
- 版记 (抄送, 印发机关 and 印发日期) between rules at the foot of the last even page: it is the
  even-page footer of a last section that starts on an even page (an odd last page is followed
  by a blank even page), its footer distance the bottom margin so the last rule lies on the
  版心's bottom edge (docs/notice.md).

Font names are the ones the standard names (and Windows/WPS ship); on Linux fontconfig
substitutes them (docs/notice.md). The output is byte-for-byte reproducible: zip members
carry a fixed time and the document properties are fixed.
"""
from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "youyi_xl" / "outputs" / "notice" / "notice.docx"

TITLE_FONT, BODY_FONT, HEI, KAI, SONG = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
ER_HAO, SAN_HAO, SI_HAO = Pt(22), Pt(16), Pt(14)     # 2号, 3号, 4号
TEXT_HEIGHT = Mm(225)             # the 版心
XIAO_SI = Pt(12)                  # 小四: the 附件 tables
ATTACHMENT_COLUMNS = (("名次", "rank", 26), ("单位", "unit", 47), ("综合得分", "score", 24),
                      ("综合序时完成率", "time_rate", 31), ("评定", "verdict", 28))   # mm, 156 in all
LINE = Pt(28.95)                  # 225 mm / 22 lines, rounded down to Word's twip (579)
CONDENSE = -5                     # twentieths of a point: 16 pt - 0.25 pt, 28 characters in 156 mm
INDENT_2 = Pt(32)                 # two 3号 characters
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def set_fonts(rpr_owner, name: str, size=None) -> None:
    """Name `name` for East Asian and Latin text (python-docx's font.name sets only Latin)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(int(size.pt * 2)))


def page_setup(section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    section.start_type = WD_SECTION.NEW_PAGE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE.twips)))


def paragraph_style(doc, name: str, font: str, size, *, align=None, indent=INDENT_2,
                    spacing=LINE, base="Normal"):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles[base]
    style.quick_style = True
    set_fonts(style.element, font, size)
    fmt = style.paragraph_format
    fmt.first_line_indent = indent
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, spacing
    fmt.space_before = fmt.space_after = Pt(0)
    if align is not None:
        fmt.alignment = align
    return style


def defaults(doc) -> None:
    """Document defaults: 3号 仿宋_GB2312, zh-CN, no paragraph spacing.

    The grid's character pitch is counted from the default font size (LibreOffice reads it
    from here, Word from Normal), so both say 16 pt.
    """
    root = doc.styles.element
    rpr = root.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    fonts = OxmlElement("w:rFonts")
    rpr.append(fonts)
    for tag, value in (("w:kern", "2"), ("w:sz", "32"), ("w:szCs", "32")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        rpr.append(element)
    lang = OxmlElement("w:lang")
    for key, value in (("val", "en-US"), ("eastAsia", "zh-CN"), ("bidi", "ar-SA")):
        lang.set(qn(f"w:{key}"), value)
    rpr.append(lang)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), BODY_FONT)
    ppr = root.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)


def styles(doc) -> None:
    defaults(doc)
    normal = doc.styles["Normal"]
    set_fonts(normal.element, BODY_FONT, SAN_HAO)
    condense = OxmlElement("w:spacing")
    condense.set(qn("w:val"), str(CONDENSE))
    normal.element.get_or_add_rPr().insert(1, condense)
    fmt = normal.paragraph_format
    fmt.first_line_indent = INDENT_2
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.widow_control = False
    title = paragraph_style(doc, "公文标题", TITLE_FONT, ER_HAO, align=WD_ALIGN_PARAGRAPH.CENTER,
                            indent=Pt(0), spacing=Pt(35))
    off_grid(title)
    paragraph_style(doc, "主送机关", BODY_FONT, SAN_HAO, indent=Pt(0))
    paragraph_style(doc, "一级标题", HEI, SAN_HAO).paragraph_format.keep_with_next = True
    signature_styles(doc)
    kai = doc.styles.add_style("二级标题", WD_STYLE_TYPE.CHARACTER)
    kai.quick_style = True
    set_fonts(kai.element, KAI, SAN_HAO)
    attachment_styles(doc)
    paragraph_style(doc, "版记", BODY_FONT, SI_HAO, indent=Pt(0), spacing=Pt(24))
    paragraph_style(doc, "页码", SONG, SI_HAO, indent=Pt(0), spacing=Pt(20))


def attachment_styles(doc) -> None:
    """附件说明 (hanging after 附件：1.), 附件标识 (黑体, flush left, on a new page), 附件标题
    (小标宋 2号 centred, two lines, from the third line), the table's text (仿宋 小四)
    and the hair-thin paragraph that carries the section break before the 版记."""
    first = paragraph_style(doc, "附件说明", BODY_FONT, SAN_HAO, indent=-INDENT_2 * 2)
    first.paragraph_format.left_indent = INDENT_2 * 3                     # 左空二字, 附件：1. hangs
    more = paragraph_style(doc, "附件说明续", BODY_FONT, SAN_HAO, indent=-SAN_HAO)
    more.paragraph_format.left_indent = INDENT_2 * 3                      # 2. under 1.
    mark = paragraph_style(doc, "附件标识", HEI, SAN_HAO, indent=Pt(0))
    mark.paragraph_format.page_break_before = True
    mark.paragraph_format.keep_with_next = True
    title = paragraph_style(doc, "附件标题", TITLE_FONT, ER_HAO, align=WD_ALIGN_PARAGRAPH.CENTER, indent=Pt(0),
                            spacing=Pt(35))
    title.paragraph_format.keep_with_next = True
    off_grid(title)
    cell = paragraph_style(doc, "附件表格", BODY_FONT, XIAO_SI, align=WD_ALIGN_PARAGRAPH.CENTER,
                           indent=Pt(0), spacing=Pt(18))
    off_grid(cell)
    note = paragraph_style(doc, "附件表注", BODY_FONT, SI_HAO, indent=Pt(28), spacing=Pt(24))
    off_grid(note)
    thin = paragraph_style(doc, "分节", BODY_FONT, Pt(1), indent=Pt(0), spacing=Pt(1))
    off_grid(thin)


def off_grid(style) -> None:
    """Let the title keep its own line spacing instead of snapping to the 28.95 pt grid."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().insert(0, snap)


def signature_styles(doc) -> None:
    """署名 centred over the date; date 右空四字 (GB/T 9704 7.3.5.1, 加盖印章的公文)."""
    for name, right in (("发文机关署名", 2), ("成文日期", 4)):
        style = paragraph_style(doc, name, BODY_FONT, SAN_HAO, align=WD_ALIGN_PARAGRAPH.RIGHT,
                                indent=Pt(0))
        style.paragraph_format.right_indent = Pt(16 * right)
        style.paragraph_format.keep_with_next = name == "发文机关署名"


def add_field(paragraph, instruction: str, shown: str) -> None:
    """A Word field (PAGE) as begin / instruction / separate / shown value / end runs."""
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, shown),
                       ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == instruction:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = f" {instruction} "
            run._r.append(code)
        else:
            run.text = text


def page_number(footer, align, side: str) -> None:
    """— 1 — in 4号 宋体, one character in from the outer edge."""
    paragraph = footer.paragraphs[0]
    paragraph.style = "页码"
    paragraph.alignment = align
    setattr(paragraph.paragraph_format, f"{side}_indent", SI_HAO)
    paragraph.add_run("— ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" —")


def footers(doc, section) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")


def para(doc, style: str, *runs, text_break: bool = False):
    """A paragraph of `style`; a run is text, or (character style, text)."""
    paragraph = doc.add_paragraph(style=style)
    for run in runs:
        char_style, text = run if isinstance(run, tuple) else (None, run)
        if text == "\n":
            paragraph.add_run().add_break()
            continue
        paragraph.add_run(text, style=char_style)
    return paragraph


def h2(number_and_title: str, text: str, doc) -> None:
    """A body paragraph opening with a run-in （一） heading in 楷体."""
    para(doc, "Normal", ("二级标题", number_and_title), text)


LEAD = ("为深入贯彻落实《{{ county_name }}{{ year }}年招商引资和项目建设工作方案》，按照“每季调度、节点核查、"
        "半年初评、全年总评”的要求，{{ assessors }}，对各承标单位"
        "{{ period_range }}招商引资和项目建设情况进行了调度考评。现将有关情况通报如下：")

REQUIREMENTS = (
    ("（一）压实工作责任。", "各承标单位要切实扛起招商引资和项目建设主体责任，主要负责同志亲自研究、"
     "亲自部署、亲自推动，对照年度目标任务和序时进度逐项梳理差距，倒排工期、清单管理，确保以月保季、"
     "以季保年。"),
    ("（二）加快追赶进度。", "低于序时进度的单位要深入分析原因，制定追赶措施，紧盯签约项目落地、"
     "重点项目开复工和投资完成，全力以赴补短板、追进度；后进单位要认真反思，限期扭转被动局面。"),
    ("（三）提高报送质量。", "各承标单位要明确专人负责调度数据填报，严格按照填报表口径如实、准确、"
     "按时报送。数据有误的单位要对照退回意见逐项核实更正，于{{ deadline }}前重新报送；"
     "杜绝迟报、漏报、错报。"),
    ("（四）强化督导考评。", "{{ assessors_duty }}加强调度和督导，"
     "按期通报排名，公开亮晒“成绩单”，严格兑现奖惩，对抓招商上项目成果突出的单位给予表彰奖励，"
     "对成果差的单位给予批评反思。"),
)


def body(doc) -> None:
    para(doc, "公文标题", "关于{{ year }}年{{ phase }}全县", "\n", "招商引资和项目建设情况的通报")
    para(doc, "主送机关")
    para(doc, "主送机关", "{{ recipients }}")
    para(doc, "Normal", LEAD)
    overview(doc)
    para(doc, "一级标题", "二、产业链和重点项目推进情况")
    h2("（一）产业链建设。", "{{ chains.sentence }}", doc)
    h2("（二）重点项目建设。", "{{ key_projects.sentence }}", doc)
    ranking(doc)
    para(doc, "一级标题", "四、存在问题")
    para(doc, "Normal", "{%p for problem in problems %}")
    para(doc, "Normal", "{{ problem }}")
    para(doc, "Normal", "{%p endfor %}")
    para(doc, "一级标题", "五、下步工作要求")
    for heading, text in REQUIREMENTS:
        h2(heading, text, doc)
        if heading.startswith("（二）"):
            escalation(doc)
    closing(doc)
    attachments(doc)
    record_section(doc)


def escalation(doc) -> None:
    """约谈: a sentence of the template (the clerk words or deletes it), there only when a unit
    was 后进 or did not report in this period and the one before."""
    para(doc, "Normal", "{%p if consecutive.units %}")
    para(doc, "Normal", "对{{ consecutive.text }}，由{{ organisers }}约谈其主要负责同志，"
         "限期整改，并在下期调度中重点督导。")
    para(doc, "Normal", "{%p endif %}")


def overview(doc) -> None:
    para(doc, "一级标题", "一、总体情况")
    para(doc, "Normal", "{{ period_range }}，序时进度为{{ time_progress_text }}。{{ reporting.summary }}"
         "{{ change.sentence }}")
    para(doc, "Normal", "{%p for category in categories %}")     # 指标设置's 分类, in its order
    h2("{{ category.number }}{{ category.name }}。", "全县{{ category.sentence }}。", doc)
    para(doc, "Normal", "{%p endfor %}")


def ranking(doc) -> None:
    para(doc, "一级标题", "三、考评排名情况")
    para(doc, "Normal", "按照考核细则，对各承标单位{{ period_range }}招商引资和项目建设情况分乡镇、"
         "部门两组进行了考评排名（详见{{ attachment_refs }}）。")
    para(doc, "Normal", "{%p for group in groups %}")
    h2("{{ group.number }}{{ group.name }}组。", "{{ group.sentence }}", doc)
    para(doc, "Normal", "{%p endfor %}")
    h2("{{ reporting.number }}报送情况。", "{{ reporting.sentence }}", doc)


def closing(doc) -> None:
    """特此通报, 附件说明, 署名 and 成文日期 kept on one page (the 署名 never stands alone)."""
    kept = [para(doc, "Normal", "特此通报。"), para(doc, "Normal"),
            para(doc, "附件说明", "附件：{{ attachments[0].label }}{{ attachments[0].title }}"),
            para(doc, "附件说明续", "{%p for item in attachments[1:] %}"),
            para(doc, "附件说明续", "{{ item.label }}{{ item.title }}"),
            para(doc, "附件说明续", "{%p endfor %}"), para(doc, "Normal"), para(doc, "Normal"),
            para(doc, "发文机关署名", "{{ issuer }}")]
    for paragraph in kept:
        paragraph.paragraph_format.keep_with_next = True
    para(doc, "成文日期", "{{ date }}")


def attachments(doc) -> None:
    """One 附件 per ranking table, each on a new page: 附件1 on the first line, blank, the title
    on the third line, blank, the table (header row repeated on every page), its note."""
    para(doc, "Normal", "{%p for item in attachments %}")
    para(doc, "附件标识", "{{ item.heading }}")
    para(doc, "Normal").paragraph_format.keep_with_next = True
    para(doc, "附件标题", "{{ item.title_lines }}")
    para(doc, "Normal").paragraph_format.keep_with_next = True
    ranking_table(doc)
    para(doc, "附件表注", "{{ item.note }}")
    para(doc, "Normal", "{%p endfor %}")


def ranking_table(doc) -> None:
    """名次, 单位, 综合得分, 综合序时完成率, 评定: a header row and one templated row per unit
    ({%tr for %} rows vanish from the output)."""
    table = doc.add_table(rows=4, cols=len(ATTACHMENT_COLUMNS))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.style = doc.styles["Table Grid"]
    full_width(table)
    cell_margins(table, Pt(1.4))
    texts = ([h for h, _, _ in ATTACHMENT_COLUMNS], ["{%tr for row in item.rows %}"] + [""] * 4,
             ["{{ row.%s }}" % key for _, key, _ in ATTACHMENT_COLUMNS], ["{%tr endfor %}"] + [""] * 4)
    for r, (row, values) in enumerate(zip(table.rows, texts)):
        row.height, row.height_rule = Pt(22), WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell, value, (_, _, width) in zip(row.cells, values, ATTACHMENT_COLUMNS):
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = doc.styles["附件表格"]
            run = paragraph.add_run(value)
            if r == 0:
                set_fonts(run._r, HEI)
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header.append(repeat)
    columns = table._tbl.tblGrid.findall(qn("w:gridCol"))
    for column, (_, _, width) in zip(columns, ATTACHMENT_COLUMNS):
        column.set(qn("w:w"), str(int(Mm(width).twips)))


def cell_margins(table, side) -> None:
    """Narrow left and right cell margins, so a unit name of nine characters stays on one line."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:w"), str(int(side.twips)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def record_section(doc) -> None:
    """The last section holds only the 版记, in its even-page footer: it starts on an even page
    (Word, WPS and LibreOffice add a blank page after an odd one) and its footer's foot is the
    版心's foot (footer distance = bottom margin), so the last rule lies on the 版心's bottom
    edge. Its odd footer is empty: the blank page a renderer may insert carries nothing; the
    版记 page has no page number (GB/T 9704 7.5: 版记页可不编排页码)."""
    section = doc.add_section(WD_SECTION.EVEN_PAGE)
    doc.paragraphs[-1].style = doc.styles["分节"]          # the paragraph that ends the 附件 section
    para(doc, "分节")                                      # the 版记 section's only (hair-thin) body line
    section.footer_distance = section.bottom_margin
    for part in (section.footer, section.even_page_footer, section.header, section.even_page_header):
        part.is_linked_to_previous = False
        part.paragraphs[0].style = doc.styles["分节"]
    record(doc, section.even_page_footer)


def rule(cell, edge: str, eighths: int) -> None:
    """A horizontal rule on one edge of a table cell (sz in eighths of a point)."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = tcpr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tcpr.append(borders)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("val", "single"), ("sz", str(eighths)), ("space", "0"), ("color", "000000")):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def record(doc, footer) -> None:
    """版记: 抄送 and 印发 between a thick rule, a thin rule and a thick rule, in `footer`."""
    table = footer.add_table(rows=2, cols=1, width=Mm(156))
    footer.paragraphs[0]._p.addprevious(table._tbl)           # a footer ends with a paragraph
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    full_width(table)
    cc, printed = table.rows[0].cells[0], table.rows[1].cells[0]
    rule(cc, "top", 8)          # 0.35 mm is about 1 pt
    rule(cc, "bottom", 4)       # 0.25 mm is about 0.75 pt; Word's nearest is 0.5 pt
    rule(printed, "bottom", 8)
    first = cc.paragraphs[0]
    first.style = doc.styles["版记"]
    first.paragraph_format.left_indent = SI_HAO * 4          # 左空一字, then 抄送：
    first.paragraph_format.first_line_indent = -SI_HAO * 3   # continuation lines align after the colon
    first.paragraph_format.right_indent = SI_HAO
    first.add_run("抄送：{{ cc }}")
    second = printed.paragraphs[0]
    second.style = doc.styles["版记"]
    fmt = second.paragraph_format
    fmt.left_indent = fmt.right_indent = SI_HAO
    fmt.tab_stops.add_tab_stop(Mm(156) - Pt(28), WD_TAB_ALIGNMENT.RIGHT)
    second.add_run("{{ printer }}\t{{ print_date }}")


def full_width(table) -> None:
    """The 版记 spans the 版心, 156 mm."""
    tblpr = table._tbl.tblPr
    existing = tblpr.find(qn("w:tblW"))
    if existing is not None:
        tblpr.remove(existing)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(Mm(156).twips)))
    width.set(qn("w:type"), "dxa")
    tblpr.append(width)


def properties(doc) -> None:
    """Document properties are rendered too: the draft carries its own title and issuer."""
    core = doc.core_properties
    core.title = "{{ title }}"
    core.subject = "招商引资和项目建设情况通报"
    core.author = core.last_modified_by = "{{ issuer }}"
    core.comments = ""
    core.revision = 1


def build() -> bytes:
    doc = Document()
    for paragraph in list(doc.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    section = doc.sections[0]
    page_setup(section)
    styles(doc)
    footers(doc, section)
    body(doc)
    properties(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every member dated 1980-01-01, so builds are byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
