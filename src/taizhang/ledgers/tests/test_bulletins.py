"""Bulletins: an official notice with East-Asian fonts, figures computed from the same selectors as the pages,
and a document LibreOffice opens and renders in Chinese."""

import io
import re
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from taizhang.ledgers import bulletins
from taizhang.ledgers.bulletins.areas import figures
from taizhang.ledgers.tests.tools import require_programs
from taizhang.org import selectors
from taizhang.org.tests.world import make_area

pytestmark = pytest.mark.usefixtures("audit")


@pytest.fixture
def district(world):
    from taizhang.org import services

    make_area(world, world.unit_a, "甲")
    make_area(world, world.unit_b, "乙")
    make_area(world, world.units["A1"], "甲一")
    services.area_create(
        actor=world.admin,
        code="LD-1",
        name="大学路（甲街道段）",
        kind="road",
        geometry={"type": "LineString", "coordinates": [[113.60, 34.70], [113.61, 34.71]]},
        responsible_unit=world.unit_a,
    )  # a road segment still without a chief
    return world


def notice_bytes(user):
    return bulletins.get("areas").build(user, 2026, 5).to_bytes()


def text_of(document):
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_notice_has_the_parts_of_an_official_document(district):
    document = Document(io.BytesIO(notice_bytes(district.users["supervisor"])))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[0].endswith("人民政府督查室")  # the masthead
    assert paragraphs[1] == "督查通报〔2026〕5号"
    assert paragraphs[2] == "关于全区路长制和网格化管理责任落实情况的通报"
    assert paragraphs[3].endswith("：")  # the addressees
    assert "一、总体情况" in paragraphs and "二、各单位落实情况" in paragraphs
    assert paragraphs[-2].endswith("人民政府督查室") and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", paragraphs[-1])
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297  # A4
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "— " in section.footer.paragraphs[0].text


def test_every_run_names_an_east_asian_font(district):
    document = Document(io.BytesIO(notice_bytes(district.users["supervisor"])))
    runs = [r for p in document.paragraphs for r in p.runs if r.text]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    faces = {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in runs}
    assert faces <= {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"} and "仿宋_GB2312" in faces
    assert all(r._r.rPr.rFonts.get(qn("w:ascii")) == "Times New Roman" for r in runs)
    title = next(p for p in document.paragraphs if p.text.startswith("关于"))
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    defaults = document.styles.element.xml.split("<w:docDefaults>")[1].split("</w:docDefaults>")[0]
    assert 'w:eastAsia="仿宋_GB2312"' in defaults and 'w:eastAsia="zh-CN"' in defaults


def test_the_font_table_gives_each_chinese_font_a_fallback(district):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = Document(io.BytesIO(notice_bytes(district.users["supervisor"])))
    part = next(r.target_part for r in document.part.rels.values() if r.reltype == RT.FONT_TABLE)
    xml = part.blob.decode()
    for name, alternative in (("仿宋_GB2312", "仿宋"), ("方正小标宋简体", "宋体"), ("楷体_GB2312", "楷体")):
        assert re.search(rf'w:name="{name}"><w:altName w:val="{alternative}"/><w:charset w:val="86"/>', xml)


def test_the_figures_are_those_of_the_pages(district, as_supervisor):
    supervisor = district.users["supervisor"]
    text = text_of(Document(io.BytesIO(notice_bytes(supervisor))))
    areas = selectors.area_list(supervisor)
    assert f"全区共划定责任区域{areas.count()}个" in text
    assert (
        f"网格{areas.filter(kind='grid').count()}个" in text
        and f"道路路段{areas.filter(kind='road').count()}条" in text
    )
    listed = as_supervisor.get("/org/areas/").content.decode()
    assert f"{areas.count()} " in re.sub(r"<[^>]+>", " ", listed.split('class="card-footer')[1])
    assert "责任人落实率75.0%" in text  # 3 of the 4 areas have a chief
    assert "尚未明确责任人" in text and "大学路（甲街道段）（LD-1），责任单位：甲街道" in text


def test_the_ranking_groups_sub_units_under_their_top_unit_and_ranks_by_staffing(district):
    data = figures(district.users["supervisor"])
    ranking = [(row["unit"].name, row["areas"], row["staffed"]) for row in data["ranking"]]
    assert ranking == [("乙街道", 1, 1), ("甲街道", 3, 2)]  # 甲一社区's grid counts for 甲街道


def test_a_unit_s_notice_covers_only_what_it_may_see(district):
    text = text_of(Document(io.BytesIO(notice_bytes(district.users["reporter_a"]))))
    assert "乙街道" not in text and "乙网格" not in text
    assert "全区共划定责任区域3个" in text


def test_libreoffice_opens_the_notice_and_renders_the_chinese_text_and_figures(district, tmp_path):
    require_programs("soffice", "pdftotext", install="apt-get install libreoffice-writer-nogui poppler-utils")
    source = tmp_path / "notice.docx"
    source.write_bytes(notice_bytes(district.users["supervisor"]))
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "notice.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "关于全区路长制和网格化管理责任落实情况的通报" in flat
    assert "全区共划定责任区域4个" in flat and "责任人落实率75.0%" in flat
    assert "各单位责任区域及责任人落实情况" in flat and "甲街道" in flat
