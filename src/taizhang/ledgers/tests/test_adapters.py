"""References by name within the user's scope, and the annotated copy of files that cannot keep their style."""

import io

import openpyxl
import pytest

from taizhang.ledgers import values as v
from taizhang.ledgers.adapters import References
from taizhang.ledgers.annotate import annotated_copy
from taizhang.ledgers.tests.conftest import check
from taizhang.ledgers.tests.files import DATA, xlsx_bytes

pytestmark = pytest.mark.usefixtures("audit")


def test_units_by_full_name_short_name_or_code(world):
    from taizhang.org import services as org

    org.unit_update(actor=world.admin, unit=world.unit_a, values={"short_name": "甲"})
    refs = References(world.users["supervisor"])
    assert refs.unit("甲街道") == refs.unit("甲") == refs.unit("ua") == world.unit_a
    assert refs.unit(" 乙 街道 ") == world.unit_b


def test_a_short_name_two_units_share_must_be_written_in_full(world):
    from taizhang.org import services as org

    org.unit_update(actor=world.admin, unit=world.unit_a, values={"short_name": "街道"})
    org.unit_update(actor=world.admin, unit=world.unit_b, values={"short_name": "街道"})
    with pytest.raises(v.ValueProblem, match="could be any of"):
        References(world.users["supervisor"]).unit("街道")


def test_units_outside_the_scope_read_as_unknown(world):
    with pytest.raises(v.ValueProblem, match="no unit"):
        References(world.users["reporter_a"]).unit("乙街道")


def test_people_by_name_by_name_and_title_or_within_the_row_s_unit(world):
    from taizhang.org import services as org

    wang_a = org.person_create(actor=world.admin, name="王强", title="科员", unit=world.unit_a)
    wang_b = org.person_create(actor=world.admin, name="王强", title="主任", unit=world.unit_b)
    refs = References(world.users["supervisor"])
    assert refs.person("王强（主任）") == wang_b
    assert refs.person("王强", unit=world.unit_a) == wang_a
    with pytest.raises(v.ValueProblem, match="2 people are called"):
        refs.person("王强")
    with pytest.raises(v.ValueProblem, match="no person"):
        refs.person("李不存在")
    assert References(world.users["reporter_a"]).person("王强") == wang_a  # the other one is out of scope


def test_the_annotated_copy_of_an_xls_file_is_an_xlsx_with_the_problem_column(world, head_a):
    # roster-with-errors.xls: a roster saved as .xls by LibreOffice, row 4 naming a unit that does not exist
    batch = check(head_a, (DATA / "roster-with-errors.xls").read_bytes(), name="roster.xls")
    assert batch.errors == 1 and batch.created == 1
    content, name, content_type = annotated_copy(batch)
    assert name == "roster-问题.xlsx" and "spreadsheetml" in content_type
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "人员名册" and sheet["E2"].value == "问题"
    assert "丙街道" in sheet["E4"].value and sheet["E3"].value is None


def test_a_large_file_s_annotated_copy_keeps_the_values(world, head_a, settings):
    data = xlsx_bytes([["名册"], ["姓名", "所在单位"], ["张三", "丙街道"], ["李四", "甲街道"]])
    batch = check(head_a, data)
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_STREAM_ABOVE_MB": 0}
    content, _name, _type = annotated_copy(batch)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]] == ["姓名", "所在单位", "问题"]
    assert "丙街道" in sheet["C3"].value and sheet["C3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["C4"].value is None


def _clean_fields_errors(instance, exclude):
    """What Django's own ``clean_fields`` says: {field: [messages]} and the cleaned values."""
    from django.core.exceptions import ValidationError

    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        return error.message_dict
    return {}


def test_field_check_says_what_clean_fields_says_each_value_cleaned_once(world):
    """The import's field checks: the fields, messages and cleaned values of ``Model.clean_fields``, with each
    distinct plain value cleaned once however many rows repeat it."""
    import datetime as dt
    from decimal import Decimal
    from unittest import mock

    from django.core.exceptions import ValidationError
    from django.db import models

    from taizhang.ledgers.adapters import FieldCheck
    from taizhang.projects.models import Project

    category = world.data["project_categories"]["infrastructure"]
    rows = [
        {"name": "金水管网工程", "total_investment": Decimal("12.5"), "planned_start": dt.date(2026, 3, 1)},
        {"name": "金水管网工程", "total_investment": Decimal("12.50"), "planned_start": dt.date(2026, 3, 1)},
        {"name": "x" * 201, "total_investment": Decimal("-1"), "importance": "nowhere"},
        {"name": "x" * 201, "total_investment": Decimal("-1"), "importance": "nowhere"},  # the same errors again
        {"name": "", "total_investment": Decimal("1e20"), "code": "A\x00B"},
        {"name": "乙", "total_investment": None, "responsible_unit": None},
        # Amounts at and beyond the field's digits (18, 4 places) and minimum (0).
        {"name": "丙", "total_investment": Decimal("99999999999999.9999")},
        {"name": "丙", "total_investment": Decimal("100000000000000")},
        {"name": "丙", "total_investment": Decimal("0.00001")},
        {"name": "丙", "total_investment": Decimal("0.0000")},
        {"name": "丙", "total_investment": Decimal("1E+3")},
        {"name": "丙", "total_investment": Decimal("NaN")},
        {"name": "丙", "total_investment": Decimal("-0.0001")},
        {"name": "y" * 200, "total_investment": Decimal("12345")},
    ]
    never = {"id", "created_at", "updated_at", "version", "search_text"}
    check = FieldCheck(Project, exclude=never)
    for values in rows:
        ours, django = Project(category=category, **values), Project(category=category, **values)
        errors = check.errors(ours, {"leader"})
        assert (ValidationError(errors).message_dict if errors else {}) == _clean_fields_errors(
            django, never | {"leader"}
        )
        for name in ("name", "total_investment", "planned_start", "importance"):
            assert repr(getattr(ours, name)) == repr(getattr(django, name))  # 12.50 stays 12.50
        for found in errors.values():  # the caller may extend what it gets: what is remembered must not change
            found.append(ValidationError("added by the caller"))
    with mock.patch.object(models.CharField, "clean", autospec=True, side_effect=lambda f, value, obj: value) as clean:
        check.errors(Project(category=category, **rows[2]), {"leader"})
    assert clean.call_count == 0  # name and importance: remembered, not cleaned again
    assert ValidationError(check.errors(Project(category=category, **rows[2]), {"leader"})).message_dict == (
        _clean_fields_errors(Project(category=category, **rows[2]), never | {"leader"})
    )


def test_copy_record_is_copy_copy_without_the_detour(world):
    import copy

    from taizhang.ledgers.adapters import copy_record

    unit = world.unit_a
    unit.parent  # noqa: B018 - caches the related record
    ours, theirs = copy_record(unit), copy.copy(unit)
    pickled = {"_state", "_django_version"}  # copy.copy goes through pickling, which marks the version
    assert {k: v for k, v in ours.__dict__.items() if k not in pickled} == {
        k: v for k, v in theirs.__dict__.items() if k not in pickled
    }
    assert (ours._state.db, ours._state.adding, ours._state.fields_cache) == (
        theirs._state.db,
        theirs._state.adding,
        theirs._state.fields_cache,
    )
    assert ours._state.fields_cache is not unit._state.fields_cache
    ours.name = "changed"
    assert unit.name != "changed"
