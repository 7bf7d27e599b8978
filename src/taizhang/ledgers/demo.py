"""Demo step: two staff rosters sent in by the urban management bureau, one imported and one with mistakes.

The first file adds new staff to 区城管局 and corrects a phone number; it is checked and imported, so its
people carry history from an import. The second has an unknown unit and a duplicated row: it waits as a
preview with its problems, for the demo user to download the annotated copy and try the fix-and-upload loop.
"""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.demo import DemoContext, DemoStep, register
from taizhang.ledgers import importing, services
from taizhang.org.models import Person, Unit, User

TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roster(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "人员名册"
    ws.append(["区城管局工作人员名册"])
    ws.merge_cells("A1:E1")
    ws.append(["", "", "", "", "填报日期：2026年5月"])
    ws.append(["序号", "姓名", "所在单位", "职务（岗位）", "联系电话"])
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["填报人：", "", "", "审核人：", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build(ctx: DemoContext) -> None:
    admin = User.objects.get(username="head_cgj")
    unit = Unit.objects.get(code="CGJ")
    existing = Person.objects.filter(unit=unit).order_by("sort_order", "pk").first()
    assert existing is not None
    rows: list[list[object]] = [
        [existing.name, unit.name, existing.title, "13937100001"],  # a corrected phone number
        ["韩立新", unit.name, "市容科科长", "13937100002"],
        ["宋雅琴", unit.name, "环卫科科员", "13937100003"],
        ["魏建国", unit.short_name or unit.name, "执法中队队长", "13937100004"],
    ]
    good = services.import_batch_create(
        actor=admin,
        kind="people",
        upload=SimpleUploadedFile("区城管局人员名册.xlsx", roster(rows), content_type=TYPE),
        run="caller",
    )
    importing.analyse(good, admin)
    services.run_commit(services.import_batch_commit(actor=admin, batch=good, run="caller"), admin)
    bad_rows: list[list[object]] = [*rows[1:3], ["罗志勇", "城管执法大队", "队员", "1393710000"], rows[2]]
    bad = services.import_batch_create(
        actor=admin,
        kind="people",
        upload=SimpleUploadedFile("区城管局人员名册（第二批）.xlsx", roster(bad_rows), content_type=TYPE),
        run="caller",
    )
    importing.analyse(bad, admin)
    ctx.write("2 imports: one imported, one waiting with its problems")


register(DemoStep(name="ledgers", order=60, build=build))
