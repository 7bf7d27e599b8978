"""Import end to end with the first real client, units and people: check, preview, commit, history, twice."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.core.audit import Source
from taizhang.core.errors import ValidationFailed
from taizhang.ledgers.models import ImportRow, ImportStatus, Outcome
from taizhang.ledgers.parsing import RowKind
from taizhang.ledgers.tests.conftest import check, commit
from taizhang.ledgers.tests.files import csv_bytes, xlsx_bytes
from taizhang.org.models import Person, Unit

pytestmark = pytest.mark.usefixtures("audit")

HEADER = ["序号", "姓名", "所在单位", "职务", "联系电话"]


def roster(*rows, title="人员名册"):
    return xlsx_bytes([[title], HEADER, *[[i, *row] for i, row in enumerate(rows, start=1)]], merges=["A1:E1"])


def outcomes(batch):
    return {row.number: row.outcome for row in batch.rows.all()}


def test_a_roster_is_checked_then_imported(world, head_a):
    batch = check(head_a, roster(["张三", "甲街道", "科员", "13800000001"], ["李四", "甲一社区", "网格员", ""]))
    assert batch.status == ImportStatus.READY
    assert (batch.rows_read, batch.created, batch.errors) == (2, 2, 0)
    assert not Person.objects.filter(name="张三").exists()  # checking writes nothing
    batch = commit(batch, head_a)
    assert batch.status == ImportStatus.COMMITTED
    zhang = Person.objects.get(name="张三")
    assert (zhang.unit, zhang.title, zhang.phone) == (world.unit_a, "科员", "13800000001")
    assert batch.rows.get(number=3).object_id == zhang.pk
    assert batch.committed_by == head_a


def test_history_is_written_in_bulk_with_the_user_and_source_import(world, head_a):
    rows = [[f"人员{i:03d}", "甲街道", "科员", ""] for i in range(40)]
    batch = check(head_a, roster(*rows))
    with CaptureQueriesContext(connection) as queries:
        commit(batch, head_a)
    history_inserts = [q for q in queries.captured_queries if 'INSERT INTO "org_historicalperson"' in q["sql"]]
    assert len(history_inserts) == 1  # one statement for the 40 rows
    history = Person.history.filter(name__startswith="人员")
    assert history.count() == 40
    assert set(history.values_list("history_user", "history_source", "history_type")) == {
        (head_a.pk, Source.IMPORT, "+")
    }
    assert history.first().history_change_reason == f"import #{batch.pk}: roster.xlsx"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world, head_a):
    data = roster(["张三", "甲街道", "科员", "13800000001"], ["A人员", "甲街道", "科员", ""])
    commit(check(head_a, data), head_a)
    zhang = Person.objects.get(name="张三")
    history_before = Person.history.count()
    second = check(head_a, data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    second = commit(second, head_a)
    assert second.status == ImportStatus.COMMITTED
    assert Person.history.count() == history_before
    assert Person.objects.get(pk=zhang.pk).version == zhang.version


def test_a_changed_row_updates_its_record_and_the_preview_shows_the_change(world, head_a):
    commit(check(head_a, roster(["张三", "甲街道", "科员", "13800000001"])), head_a)
    batch = check(head_a, roster(["张三", "甲街道", "副科长", "13800000001"]))
    row = batch.rows.get(number=3)
    assert row.outcome == Outcome.UPDATE
    assert row.changes == [["职务", "科员", "副科长"]]
    commit(batch, head_a)
    zhang = Person.objects.get(name="张三")
    assert zhang.title == "副科长" and zhang.version == 2
    assert zhang.history.first().history_type == "~"


def test_every_problem_of_every_row_is_collected_and_nothing_can_be_imported(world, head_a):
    batch = check(
        head_a,
        roster(
            ["张三", "乙街道", "科员", ""],  # a unit outside head_a's scope reads as unknown
            ["", "甲街道", "科员", ""],  # no name
            ["王五", "甲街道", "科员", "12345"],  # not a phone number
            ["王五", "甲街道", "科员", ""],  # the same person twice
            ["赵六", "甲街道", "科员", "13800000002"],
        ),
    )
    problems = {(r.number, p["column"]): p["message"] for r in batch.rows.all() for p in r.problems}
    assert "no unit “乙街道”" in problems[(3, "所在单位")]
    assert "required" in problems[(4, "姓名")]
    assert (5, "联系电话") in problems
    assert "already on row 5" in problems[(6, "")]
    assert batch.errors == 4 and batch.created == 1 and batch.skipped == 4
    assert outcomes(batch)[7] == Outcome.CREATE
    with pytest.raises(Exception, match="Correct the errors first"):
        commit(batch, head_a)
    assert not Person.objects.filter(name="赵六").exists()


def test_the_same_rules_as_the_forms_decide_who_may_import(world, head_a):
    from taizhang.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        check(world.users["reporter_a"], roster(["张三", "甲街道", "", ""]))


def test_a_unit_head_cannot_move_someone_out_of_their_units(world, head_a, audit):
    from taizhang.org import services as org

    org.person_create(actor=world.admin, name="钱七", unit=world.unit_b)
    batch = check(world.admin, roster(["钱七", "甲街道", "", ""]), unit=world.units["SUP"])
    assert outcomes(batch)[3] == Outcome.CREATE  # keyed by (unit, name): a new person in 甲街道


def test_two_people_of_one_name_in_a_unit_must_be_told_apart_by_hand(world, head_a):
    from taizhang.org import services as org

    org.person_create(actor=world.admin, name="同名", unit=world.unit_a)
    org.person_create(actor=world.admin, name="同名", unit=world.unit_a, title="司机")
    batch = check(head_a, roster(["同名", "甲街道", "", ""]))
    assert "2 existing records match" in batch.rows.get(number=3).problems[0]["message"]


def test_category_headings_set_the_unit_of_the_people_below(world, head_a):
    data = xlsx_bytes(
        [
            ["姓名", "职务"],
            ["一、甲街道（2人）"],
            ["张三", "科员"],
            ["李四", "科员"],
            ["二、甲一社区（1人）"],
            ["王五", "网格员"],
        ]
    )
    batch = check(head_a, data)
    assert batch.created == 3
    commit(batch, head_a)
    assert Person.objects.get(name="王五").unit == world.units["A1"]
    assert batch.rows.get(number=2).kind == RowKind.HEADING


def test_units_with_a_parent_created_higher_up_in_the_same_file(world):
    data = xlsx_bytes(
        [
            ["单位代码", "单位名称", "单位类别", "上级单位"],
            ["UC", "丙街道", "街道办事处", ""],
            ["UC1", "丙一社区", "其他", "丙街道"],
            ["UA", "甲街道", "街道", ""],
        ]
    )
    batch = check(world.admin, data, kind="units", unit=world.units["SUP"])
    assert outcomes(batch) == {2: Outcome.CREATE, 3: Outcome.CREATE, 4: Outcome.UNCHANGED}
    commit(batch, world.admin)
    child = Unit.objects.get(code="UC1")
    assert child.parent == Unit.objects.get(code="UC")
    assert child.path == f"{child.parent.path}{child.pk}/"  # placed in the tree by the service


def test_units_are_matched_by_code_else_by_name(world):
    data = xlsx_bytes([["单位名称", "简称"], ["甲街道", "甲"]])
    batch = check(world.admin, data, kind="units", unit=world.units["SUP"])
    assert outcomes(batch) == {2: Outcome.UPDATE}
    commit(batch, world.admin)
    assert Unit.objects.get(code="UA").short_name == "甲"


def test_a_blank_cell_of_a_field_that_cannot_be_empty_keeps_the_value(world):
    data = xlsx_bytes([["单位代码", "单位名称", "排序", "是否启用"], ["UA", "甲街道", "", ""]])
    batch = check(world.admin, data, kind="units", unit=world.units["SUP"])
    assert outcomes(batch) == {2: Outcome.UNCHANGED}


def test_a_new_unit_fails_the_model_s_own_validation_with_the_column_named(world):
    data = xlsx_bytes(
        [["单位代码", "单位名称", "单位类别", "区划代码"], ["UD", "丁街道", "街道办事处", "41010300100X"]]
    )
    batch = check(world.admin, data, kind="units", unit=world.units["SUP"])
    problem = batch.rows.get(number=2).problems[0]
    assert problem["column"] == "区划代码" and problem["severity"] == "error"


def test_the_commit_is_atomic_a_failure_on_one_row_writes_nothing(world, head_a):
    batch = check(head_a, roster(*[[f"原子{i}", "甲街道", "", ""] for i in range(5)]))
    from taizhang.org import services as org

    real = org.person_create
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 4:
            raise ValidationFailed("the fourth row fails")
        return real(**kwargs)

    with mock.patch("taizhang.org.columns.services.person_create", side_effect=flaky):
        batch = commit(batch, head_a)
    assert not Person.objects.filter(name__startswith="原子").exists()
    assert batch.status == ImportStatus.READY  # checked again
    assert "Nothing was imported" in batch.message and "Row 6" in batch.message


def test_a_ledger_changed_since_the_check_is_checked_again_not_imported(world, head_a):
    from taizhang.org import services as org

    batch = check(head_a, roster(["A人员", "甲街道", "科员", "13800000003"], ["新人", "甲街道", "", ""]))
    assert outcomes(batch)[3] == Outcome.UPDATE
    person = Person.objects.get(name="A人员")
    org.person_update(actor=world.admin, person=person, values={"phone": "13800000003"})
    batch = commit(batch, head_a)
    assert batch.status == ImportStatus.READY
    assert "changed since this file was checked" in batch.message
    assert outcomes(batch)[3] == Outcome.UNCHANGED  # the new preview
    assert not Person.objects.filter(name="新人").exists()
    batch = commit(batch, head_a)
    assert batch.status == ImportStatus.COMMITTED


def test_a_cancelled_commit_writes_nothing(world, head_a):
    from taizhang.ledgers import importing, services

    batch = check(head_a, roster(["取消", "甲街道", "", ""]))
    services.import_batch_commit(actor=head_a, batch=batch, run="caller")
    importing.request_cancel(batch.pk)
    batch = services.run_commit(batch, head_a)
    assert batch.status == ImportStatus.CANCELLED
    assert not Person.objects.filter(name="取消").exists()


def test_a_refused_file_leaves_a_refused_batch_that_says_why(world, head_a):
    batch = check(head_a, b"\x00\x01 not a spreadsheet", name="roster.xlsx")
    assert batch.status == ImportStatus.FAILED
    assert "not a spreadsheet" in batch.message
    assert batch.problems[0]["message"] == batch.message


def test_a_required_column_missing_blocks_the_import(world):
    batch = check(world.admin, xlsx_bytes([["单位代码", "简称"], ["UA", "甲"]]), kind="units", unit=world.units["SUP"])
    assert batch.status == ImportStatus.READY and batch.errors == 1
    assert batch.problems[0]["column"] == "单位名称" and "missing" in batch.problems[0]["message"]


def test_a_person_with_neither_a_unit_column_nor_a_heading_says_so(world, head_a):
    batch = check(head_a, xlsx_bytes([["姓名", "职务"], ["张三", "科员"]]))
    assert batch.errors == 1
    assert "add the column, or a heading row" in batch.rows.get(number=2).problems[0]["message"]


def test_csv_rosters_in_gb18030(world, head_a):
    data = csv_bytes([["姓名", "所在单位", "联系电话"], ["张三", "甲街道", "13800000001"]], encoding="gb18030")
    batch = commit(check(head_a, data, name="roster.csv"), head_a)
    assert batch.status == ImportStatus.COMMITTED and Person.objects.filter(name="张三").exists()


def test_per_row_outcomes_are_stored_on_the_batch(world, head_a):
    batch = check(head_a, roster(["张三", "甲街道", "", ""], ["A人员", "甲街道", "科员", ""]))
    rows = {r.number: r for r in ImportRow.objects.filter(batch=batch)}
    assert set(rows) == {3, 4}  # the title and header rows are not rows of the ledger
    assert rows[3].label == "张三" and rows[4].outcome == Outcome.UNCHANGED


def test_an_unexpected_failure_while_checking_refuses_the_batch_instead_of_crashing(world, head_a):
    with mock.patch("taizhang.ledgers.importing.Planner.plan", side_effect=RuntimeError("boom")):
        batch = check(head_a, roster(["张三", "甲街道", "", ""]))
    assert batch.status == ImportStatus.FAILED and "unexpectedly" in batch.message


def test_imports_collect_garbage_less_often_and_leave_the_collector_as_it_was():
    import gc

    from taizhang.ledgers.importing import YOUNG_COLLECTION_EVERY, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], YOUNG_COLLECTION_EVERY)
        assert gc.get_freeze_count() > 0  # what lived before the import is not scanned again and again
        with fewer_collections():  # a second import in the same process (another thread)
            pass
        assert gc.get_threshold()[0] == max(before[0], YOUNG_COLLECTION_EVERY)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
