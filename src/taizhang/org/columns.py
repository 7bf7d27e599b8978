"""Units and people in spreadsheets: the staff rosters and unit lists offices keep in Excel.

Natural keys (how a row finds its record):

- a unit by its code (单位代码); a row without a code by its full name (单位名称);
- a person by name within their unit (所在单位 + 姓名); two live people of one name in one unit must be told
  apart by hand before importing.

Rows write through the org services (``unit_create``/``unit_update``, ``person_create``/``person_update``), so
an import obeys the same rules and permissions as the forms: district writers manage units; unit heads manage
the people of their units.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taizhang.ledgers.adapters import ModelAdapter
from taizhang.ledgers.columns import Choice, Column, Integer, Sheet, Text, UnitRef, YesNo
from taizhang.ledgers.registry import LedgerKind, register
from taizhang.org import selectors, services
from taizhang.org.choices import UnitKind
from taizhang.org.models import Person, Unit

UNIT_KIND_ALIASES = {
    "部门": UnitKind.DEPARTMENT,
    "区直单位": UnitKind.DEPARTMENT,
    "区直部门": UnitKind.DEPARTMENT,
    "街道": UnitKind.SUBDISTRICT,
    "街道办": UnitKind.SUBDISTRICT,
    "镇人民政府": UnitKind.TOWN,
    "乡人民政府": UnitKind.TOWNSHIP,
    "管委会": UnitKind.MANAGEMENT_COMMITTEE,
    "企业": UnitKind.ENTERPRISE,
    "社区": UnitKind.OTHER,
    "村": UnitKind.OTHER,
}

UNITS = Sheet(
    kind="units",
    title="单位名册",
    category="kind",
    columns=(
        Column("code", "单位代码", aliases=("代码", "单位编码", "编码", "单位编号"), type=Text(32, width=10)),
        Column("name", "单位名称", aliases=("名称", "单位", "单位全称"), required=True, type=Text(100, width=24)),
        Column("short_name", "简称", aliases=("单位简称",), type=Text(50, width=12)),
        Column(
            "kind",
            "单位类别",
            aliases=("类别", "单位类型", "类型"),
            type=Choice(UnitKind.choices, aliases=UNIT_KIND_ALIASES),
        ),
        Column("parent", "上级单位", aliases=("所属单位", "上级", "隶属单位"), type=UnitRef(width=20)),
        Column(
            "division_code", "区划代码", aliases=("行政区划代码", "统计区划代码", "区划编码"), type=Text(12, width=14)
        ),
        Column("sort_order", "排序", aliases=("排序号", "顺序"), type=Integer()),
        Column("is_active", "是否启用", aliases=("启用", "是否有效"), type=YesNo()),
        Column("people_count", "人数", type=Integer(), imported=False, total=True),
    ),
)

PEOPLE = Sheet(
    kind="people",
    title="人员名册",
    category="unit",
    count_word="人",
    columns=(
        Column("name", "姓名", aliases=("名字", "人员姓名"), required=True, type=Text(50, width=10)),
        Column(
            "unit",
            "所在单位",
            aliases=("单位", "工作单位", "所属单位", "单位名称"),
            required=True,
            type=UnitRef(width=20),
        ),
        Column("title", "职务", aliases=("职位", "岗位", "职务（岗位）"), type=Text(100, width=16)),
        Column(
            "phone", "联系电话", aliases=("电话", "手机", "手机号", "手机号码", "联系方式"), type=Text(32, width=14)
        ),
        Column("is_leader", "是否区领导", aliases=("区领导",), type=YesNo()),
        Column("sort_order", "排序", aliases=("排序号", "顺序"), type=Integer()),
    ),
)


class UnitAdapter(ModelAdapter):
    sheet = UNITS
    model = Unit
    keys = (("code",), ("name",))
    label = _("Units")
    add_perm = "org.add_unit"
    change_perm = "org.change_unit"
    check_new_object = False  # a new unit has no unit of its own yet; adding units is a district right
    provides_units = True  # a sub-unit may name a parent created on a row above it

    def queryset(self) -> QuerySet[Unit]:
        return selectors.unit_list(self.user)

    def create(self, *, actor: Any, values: dict[str, Any]) -> Unit:
        return services.unit_create(actor=actor, **values)

    def update(self, *, actor: Any, obj: Any, values: dict[str, Any], expected_version: int | None) -> Unit:
        return services.unit_update(actor=actor, unit=obj, values=values, expected_version=expected_version)


class PersonAdapter(ModelAdapter):
    sheet = PEOPLE
    model = Person
    keys = (("unit", "name"),)
    label = _("People")
    add_perm = "org.add_person"
    change_perm = "org.change_person"

    def queryset(self) -> QuerySet[Person]:
        return selectors.person_list(self.user)

    def create(self, *, actor: Any, values: dict[str, Any]) -> Person:
        return services.person_create(actor=actor, **values)

    def update(self, *, actor: Any, obj: Any, values: dict[str, Any], expected_version: int | None) -> Person:
        return services.person_update(actor=actor, person=obj, values=values, expected_version=expected_version)


register(LedgerKind("units", _("Units"), UNITS, UnitAdapter, list_view="taizhang.org.views.UnitList"))
register(LedgerKind("people", _("People"), PEOPLE, PersonAdapter, list_view="taizhang.org.views.PersonList"))
