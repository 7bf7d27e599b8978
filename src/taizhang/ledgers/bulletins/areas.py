"""The responsibility-area notice: how far road chiefs and grid chiefs are in place, unit by unit.

关于全区路长制、网格化责任落实情况的通报 — computed from the organisation's selectors for the reading user:
the figures are those of the area list and the unit pages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taizhang.core.scoping import scope_for
from taizhang.ledgers.bulletins import BulletinKind, register
from taizhang.ledgers.notice import Notice, chinese_date
from taizhang.org import selectors
from taizhang.org.choices import AreaKind


def percent(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def figures(user: Any) -> dict[str, Any]:
    """The numbers the notice states, from the same selectors as the area list and unit pages."""
    areas = list(selectors.area_list(user).select_related("responsible_unit", "chief"))
    units = {u.pk: u for u in selectors.unit_list(user)}
    counts = {kind: sum(1 for a in areas if a.kind == kind) for kind in AreaKind.values}
    staffed = [a for a in areas if a.chief_id is not None]
    by_unit: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"grid": 0, "road": 0, "community": 0, "areas": 0, "staffed": 0, "chiefs": set()}
    )
    for area in areas:
        top = _top_unit(area.responsible_unit, units)
        row = by_unit[top.pk]
        row["unit"] = top
        row[area.kind] += 1
        row["areas"] += 1
        if area.chief_id is not None:
            row["staffed"] += 1
            row["chiefs"].add(area.chief_id)
    ranking = sorted(
        by_unit.values(),
        key=lambda r: (-Decimal(r["staffed"]) / max(r["areas"], 1), -r["areas"], r["unit"].sort_order, r["unit"].code),
    )
    return {
        "areas": areas,
        "counts": counts,
        "total": len(areas),
        "staffed": len(staffed),
        "chiefs": len({a.chief_id for a in staffed}),
        "units": len(by_unit),
        "ranking": ranking,
        "missing": [a for a in areas if a.chief_id is None],
        "roads": sorted((a for a in areas if a.kind == AreaKind.ROAD), key=lambda a: a.code),
    }


def _top_unit(unit: Any, units: dict[int, Any]) -> Any:
    """The unit's highest ancestor the reader can see (a sub-district office for its communities)."""
    for pk in (int(p) for p in unit.path.strip("/").split("/") if p):
        if pk in units:
            return units[pk]
    return unit


def build(user: Any, year: int, month: int) -> Notice:
    data = figures(user)
    district = str(settings.TAIZHANG.get("DISTRICT_NAME", ""))
    today = timezone.localdate()
    as_of = min(today, _month_end(year, month))
    counts = data["counts"]
    notice = Notice(
        title="关于全区路长制和网格化管理责任落实情况的通报",
        office=f"{district}人民政府督查室",
        date=as_of,
        number=f"督查通报〔{year}〕{month}号",
        addressees="各街道办事处、乡（镇）人民政府，区直各单位：",
        masthead=f"{district}人民政府督查室",
    )
    notice.paragraph(
        f"为压实路长制、网格化管理工作责任，现将截至{chinese_date(as_of)}全区责任区域划定和责任人落实情况通报如下。"
    )
    notice.heading("一、总体情况")
    notice.paragraph(
        f"全区共划定责任区域{data['total']}个，其中社区{counts[AreaKind.COMMUNITY]}个、网格{counts[AreaKind.GRID]}个、"
        f"道路路段{counts[AreaKind.ROAD]}条，由{data['units']}个单位分包负责；已明确路长、网格长{data['chiefs']}名，"
        f"{data['staffed']}个责任区域落实了责任人，责任人落实率{percent(data['staffed'], data['total'])}。"
    )
    notice.heading("二、各单位落实情况")
    notice.paragraph("各单位按责任人落实率排序如下：")
    notice.table(
        ["名次", "责任单位", "社区", "网格", "路段", "责任人", "落实率"],
        [
            [
                rank,
                row["unit"].name,
                row["community"],
                row["grid"],
                row["road"],
                len(row["chiefs"]),
                percent(row["staffed"], row["areas"]),
            ]
            for rank, row in enumerate(data["ranking"], start=1)
        ],
        numeric=(2, 3, 4, 5, 6),
        widths_mm=(14, 46, 18, 18, 18, 20, 22),
        caption="各单位责任区域及责任人落实情况",
    )
    notice.heading("三、存在问题")
    if data["missing"]:
        notice.paragraph(f"以下{len(data['missing'])}个责任区域尚未明确责任人，请责任单位于5个工作日内落实：")
        notice.items(f"{a.name}（{a.code}），责任单位：{a.responsible_unit.name}" for a in data["missing"])
    else:
        notice.paragraph("各责任区域均已明确责任人。")
    if data["roads"]:
        notice.heading("四、路长名单")
        notice.table(
            ["序号", "道路路段", "责任单位", "路长", "联系电话"],
            [
                [
                    i,
                    a.name,
                    a.responsible_unit.name,
                    a.chief.name if a.chief else "未明确",
                    a.chief.phone if a.chief else "",
                ]
                for i, a in enumerate(data["roads"], start=1)
            ],
            widths_mm=(14, 52, 40, 22, 30),
        )
    notice.heading("五、工作要求" if data["roads"] else "四、工作要求")
    notice.paragraph(
        "各责任单位要对照本通报逐一核实责任区域和责任人信息，人员变动的要及时调整并报区督查室；"
        "路长、网格长要按照“六定”要求开展日常巡查，发现问题及时登记、及时处置。",
        lead="一是压实责任。",
    )
    notice.paragraph("区督查室将每月通报责任落实情况，对责任人长期空缺的单位进行督办。", lead="二是加强督导。")
    notice.closing()
    return notice


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def may_build(user: Any) -> bool:
    return not scope_for(user).is_empty


register(
    BulletinKind(
        name="areas",
        label=_("Responsibility areas notice"),
        description=_("Road chiefs and grid chiefs in place, unit by unit, with the areas still without one."),
        build=build,
        may_build=may_build,
    )
)
