"""World factory for the scoping walk: an import batch owned by a given unit, checked, with a problem."""

from __future__ import annotations

from taizhang.core.testing.personas import World
from taizhang.core.testing.world import register
from taizhang.ledgers import importing, services
from taizhang.ledgers.models import ImportBatch
from taizhang.ledgers.tests.files import upload, xlsx_bytes
from taizhang.org.models import Unit


@register(ImportBatch)
def make_import_batch(world: World, unit: Unit, marker: str) -> ImportBatch:
    rows = [
        [f"{marker}人员名册"],
        ["姓名", "所在单位", "职务", "联系电话"],
        [f"{marker}新人", unit.name, "科员", "13800000009"],
        [f"{marker}无名", f"{marker}不存在的单位", "", ""],
    ]
    batch = services.import_batch_create(
        actor=world.admin,
        kind="people",
        upload=upload(xlsx_bytes(rows, merges=["A1:D1"]), f"{marker}名册.xlsx"),
        unit=unit,
        run="caller",
    )
    return importing.analyse(batch, world.admin)
