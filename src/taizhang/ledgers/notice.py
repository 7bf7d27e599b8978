"""Official notices (通报) as Word documents, laid out the way Party and government documents are (GB/T 9704).

A :class:`Notice` has a red masthead with the issuing office and a red rule, the document number, a centred
title in 方正小标宋, the addressees, body paragraphs in 仿宋_GB2312 三号 with a two-character first-line indent
on a 22-line page grid, level-one headings in 黑体 and level-two headings in 楷体_GB2312, ranking tables with a
header row repeated on every page, numbered lists, the office and date at the end, and "— 1 —" page numbers.

Chinese needs its fonts named on the East-Asian slot: every run and the document defaults set ``w:eastAsia``
(Latin text stays in Times New Roman), the font table lists each font with its common alternative name
(仿宋_GB2312 → 仿宋/FangSong, 方正小标宋简体 → 宋体/SimSun…) and the GB2312 character set, and the language is
zh-CN, so Word and LibreOffice pick a Chinese font even on a machine without the official ones.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

LATIN = "Times New Roman"
# (font, alternative name Word and LibreOffice fall back to, generic family)
BODY = ("仿宋_GB2312", "仿宋", "FangSong")
TITLE = ("方正小标宋简体", "宋体", "SimSun")
HEADING = ("黑体", "SimHei", "SimHei")
SUBHEADING = ("楷体_GB2312", "楷体", "KaiTi")
TABLE = ("仿宋_GB2312", "仿宋", "FangSong")
RED = RGBColor(0xE6, 0x00, 0x12)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_S4 = Pt(12)  # 小四
LINE = Pt(28.95)  # 22 lines on the A4 type area of GB/T 9704


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _fonts(run_or_style: Any, face: tuple[str, str, str]) -> None:
    """Name the Latin and the East-Asian font of a run or style (python-docx only sets the Latin one)."""
    rpr = run_or_style.element.get_or_add_rPr() if hasattr(run_or_style, "element") else run_or_style
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(slot), LATIN)
    fonts.set(qn("w:eastAsia"), face[0])
    fonts.set(qn("w:hint"), "eastAsia")


class Notice:
    """Build a notice paragraph by paragraph, then :meth:`save` it."""

    def __init__(
        self,
        *,
        title: str,
        office: str,
        date: dt.date,
        number: str = "",
        addressees: str = "",
        masthead: str = "",
    ) -> None:
        self.title = title
        self.office = office
        self.date = date
        self.doc: Any = Document()
        self._page_setup()
        self._defaults()
        self._font_table()
        if masthead:
            self._masthead(masthead, number)
        self._title()
        if addressees:
            self.paragraph(addressees, indent=False)

    # --- set-up --------------------------------------------------------------------------------------

    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(20)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self._run(footer, "— ", ("宋体", "SimSun", "SimSun"), SIZE_4)
        self._field(footer, "PAGE", ("宋体", "SimSun", "SimSun"), SIZE_4)
        self._run(footer, " —", ("宋体", "SimSun", "SimSun"), SIZE_4)

    def _defaults(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.size = SIZE_3
        normal.font.name = LATIN
        _fonts(normal, BODY)
        fmt = normal.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
        fmt.space_before = fmt.space_after = Pt(0)
        # Document defaults too: text in tables, headers and footers inherits them.
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _fonts(rpr, BODY)
                lang = rpr.find(qn("w:lang"))
                if lang is None:
                    lang = OxmlElement("w:lang")
                    rpr.append(lang)
                lang.set(qn("w:val"), "zh-CN")
                lang.set(qn("w:eastAsia"), "zh-CN")

    def _font_table(self) -> None:
        """Declare each Chinese font with its alternative name and the GB2312 character set."""
        part = next((rel.target_part for rel in self.doc.part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
        if part is None:  # pragma: no cover - python-docx's template always has a font table
            return
        table = parse_xml(part.blob)
        present = {f.get(qn("w:name")) for f in table.findall(qn("w:font"))}
        for name, alternative, _generic in (BODY, TITLE, HEADING, SUBHEADING, ("宋体", "SimSun", "SimSun")):
            if name in present:
                continue
            font = parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alternative}"/>'
                '<w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
            )
            table.append(font)
        part._blob = serialize_part_xml(table)

    def _masthead(self, masthead: str, number: str) -> None:
        head = self.doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        head.paragraph_format.space_after = Pt(12)
        run = self._run(head, masthead, TITLE, Pt(30))
        run.font.color.rgb = RED
        line = self.doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if number:
            self._run(line, number, BODY, SIZE_3)
        border = parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="6" w:color="E60012"/></w:pBdr>'
        )
        line._p.get_or_add_pPr().append(border)
        line.paragraph_format.space_after = Pt(24)

    def _title(self) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.line_spacing = Pt(36)
        paragraph.paragraph_format.space_after = Pt(24)
        self._run(paragraph, self.title, TITLE, SIZE_2)

    # --- content -------------------------------------------------------------------------------------

    def _run(self, paragraph: Any, text: str, face: tuple[str, str, str], size: Any, bold: bool = False) -> Any:
        run = paragraph.add_run(text)
        run.font.size = size
        run.font.name = LATIN
        run.bold = bold
        _fonts(run, face)
        return run

    def _field(self, paragraph: Any, code: str, face: tuple[str, str, str], size: Any) -> None:
        for kind, text in (("begin", ""), ("instr", f" {code} "), ("separate", ""), ("text", "1"), ("end", "")):
            run = self._run(paragraph, "", face, size)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._r.append(instr)
            elif kind == "text":
                run.text = text
            else:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)

    def paragraph(self, text: str, *, indent: bool = True, lead: str = "") -> Any:
        """A body paragraph; ``lead`` is a bold opening phrase ("一是…")."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
        if lead:
            self._run(paragraph, lead, BODY, SIZE_3, bold=True)
        self._run(paragraph, text, BODY, SIZE_3)
        return paragraph

    def heading(self, text: str) -> Any:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.paragraph_format.keep_with_next = True
        self._run(paragraph, text, HEADING, SIZE_3)
        return paragraph

    def subheading(self, text: str) -> Any:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        paragraph.paragraph_format.keep_with_next = True
        self._run(paragraph, text, SUBHEADING, SIZE_3)
        return paragraph

    def items(self, items: Iterable[str]) -> None:
        for number, text in enumerate(items, start=1):
            self.paragraph(f"{number}. {text}")

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        numeric: Sequence[int] = (),
        widths_mm: Sequence[float] = (),
        caption: str = "",
    ) -> Any:
        """A ranking or roster table: header row bold and repeated on each page, numbers right-aligned."""
        if caption:
            cap = self.doc.add_paragraph()
            cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
            cap.paragraph_format.keep_with_next = True
            self._run(cap, caption, HEADING, SIZE_4)
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header_row = table.rows[0]
        header_row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for cell, text in zip(header_row.cells, headers, strict=True):
            self._cell(cell, text, HEADING, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        for values in rows:
            cells = table.add_row().cells
            for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
                align = WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else WD_ALIGN_PARAGRAPH.CENTER
                self._cell(cell, "" if value is None else str(value), TABLE, align=align)
        if widths_mm:
            # Word reads the cells' widths, LibreOffice the table grid's: set both.
            table.autofit = False
            for column, width in zip(table.columns, widths_mm, strict=False):
                column.width = Mm(width)
            for row in table.rows:
                for cell, width in zip(row.cells, widths_mm, strict=False):
                    cell.width = Mm(width)
        self.doc.add_paragraph()
        return table

    def _cell(self, cell: Any, text: str, face: tuple[str, str, str], *, bold: bool = False, align: Any = None) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = align
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self._run(paragraph, text, face, SIZE_S4, bold=bold)

    def closing(self) -> None:
        """The issuing office and the date, right-aligned under the body."""
        self.doc.add_paragraph()
        for text in (self.office, chinese_date(self.date)):
            paragraph = self.doc.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = Pt(64)  # four characters, as GB/T 9704 sets the date
            self._run(paragraph, text, BODY, SIZE_3)

    def save(self, target: str | IO[bytes]) -> None:
        self.doc.core_properties.title = self.title
        self.doc.core_properties.author = self.office
        self.doc.core_properties.language = "zh-CN"
        self.doc.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()
