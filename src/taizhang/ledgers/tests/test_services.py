"""Every service of the spreadsheet engine: what it guarantees and what it refuses."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.audit import Source, audit_context
from taizhang.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from taizhang.core.testing.audit_probe import history_probe, services_of
from taizhang.ledgers import importing, services
from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.tests.conftest import check, commit
from taizhang.ledgers.tests.files import upload, xlsx_bytes

pytestmark = pytest.mark.usefixtures("audit")

ROSTER = xlsx_bytes([["姓名", "所在单位"], ["张三", "甲街道"], ["李四", "甲街道"]])


def create(actor, data=ROSTER, **kwargs):
    kwargs.setdefault("run", "caller")
    return services.import_batch_create(actor=actor, kind=kwargs.pop("kind", "people"), upload=upload(data), **kwargs)


def test_a_batch_belongs_to_the_uploader_s_unit_and_keeps_the_file(world, head_a):
    batch = create(head_a, period="2026年5月")
    assert (batch.unit, batch.created_by, batch.status) == (world.unit_a, head_a, ImportStatus.QUEUED)
    assert batch.period == "2026-05"
    assert batch.file.read() == ROSTER
    assert batch.history.first().history_source == Source.SYSTEM


def test_an_unknown_ledger_is_refused(world, head_a):
    with pytest.raises(ValidationFailed) as exc:
        create(head_a, kind="weather")
    assert "kind" in exc.value.fields


def test_a_ledger_the_user_may_not_import_is_refused(world, head_a):
    with pytest.raises(PermissionDenied):
        create(head_a, kind="units")  # units are a district right


def test_people_without_a_ledger_to_import_may_not_upload(world):
    with pytest.raises(PermissionDenied):
        create(world.users["reporter_a"])


def test_files_over_the_limit_and_empty_files_are_refused(world, head_a, settings):
    with pytest.raises(ValidationFailed) as exc:
        services.import_batch_create(
            actor=head_a, kind="people", upload=SimpleUploadedFile("a.xlsx", b""), run="caller"
        )
    assert "empty" in exc.value.fields["file"][0]
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_MAX_MB": 0.001}
    with pytest.raises(ValidationFailed) as exc:
        create(head_a)
    assert "files up to" in exc.value.fields["file"][0]


def test_a_bad_period_is_refused(world, head_a):
    with pytest.raises(ValidationFailed) as exc:
        create(head_a, period="May")
    assert "YYYY-MM" in exc.value.fields["period"][0]


def test_the_run_mode_must_be_known(world, head_a):
    with pytest.raises(ValueError, match="run must be"):
        create(head_a, run="someday")


def test_a_batch_needs_a_unit_the_uploader_may_see(world, head_a):
    with pytest.raises(ValidationFailed) as exc:
        create(world.admin)  # a superuser without a membership must say which unit
    assert "unit" in exc.value.fields
    with pytest.raises(NotFound):
        create(head_a, unit=world.unit_b)


def test_small_files_are_checked_at_once_after_the_commit(world, head_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = create(head_a, run="auto")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.created == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.import_batch_commit(actor=head_a, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED


def test_large_files_are_checked_and_imported_by_background_jobs(
    world, head_a, settings, django_capture_on_commit_callbacks
):
    from django_tasks.signals import task_enqueued

    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_BACKGROUND_ABOVE_KB": 0}
    jobs = []

    def enqueued(sender, task_result, **kwargs):
        jobs.append((task_result.task.name, task_result.args))

    task_enqueued.connect(enqueued, dispatch_uid="test-ledgers-jobs")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            batch = create(head_a, run="auto")
        batch.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            services.import_batch_commit(actor=head_a, batch=batch, run="later")
    finally:
        task_enqueued.disconnect(dispatch_uid="test-ledgers-jobs")
    assert jobs == [("analyse_batch", [batch.pk, head_a.pk]), ("commit_batch", [batch.pk, head_a.pk])]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED


def test_a_job_s_check_reports_its_progress(world, head_a, settings, django_capture_on_commit_callbacks):
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_BACKGROUND_ABOVE_KB": 0, "IMPORT_CHUNK_ROWS": 1}
    with django_capture_on_commit_callbacks(execute=True):
        batch = create(head_a, run="auto")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY  # the immediate backend ran the job
    assert batch.progress_done == batch.progress_total == 2


def test_a_batch_cancelled_while_waiting_is_not_checked(world, head_a):
    batch = create(head_a)
    services.import_batch_cancel(actor=head_a, batch=batch)
    batch = importing.analyse(batch, head_a)
    assert batch.status == ImportStatus.CANCELLED and batch.rows_read == 0


def test_a_check_cancelled_between_chunks_stops(world, head_a, settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_CHUNK_ROWS": 1}
    batch = create(head_a)
    real_plan = importing.Planner.plan

    def plan_then_cancel(self, rows):
        plans = real_plan(self, rows)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CANCELLED)
        return plans

    with mock.patch.object(importing.Planner, "plan", plan_then_cancel):
        batch = importing.analyse(batch, head_a)
    assert batch.status == ImportStatus.CANCELLED
    assert batch.rows.count() == 0


def test_only_the_uploader_or_a_district_writer_may_import_or_cancel(world, head_a, audit):
    from taizhang.org import services as org

    colleague = org.user_create(actor=world.admin, username="head_a2", password="walk-the-scope-2026")
    org.membership_create(actor=world.admin, user=colleague, unit=world.unit_a, role="unit_head")
    batch = check(head_a, ROSTER)
    with pytest.raises(PermissionDenied):
        services.import_batch_commit(actor=colleague, batch=batch, run="caller")
    with pytest.raises(PermissionDenied):
        services.import_batch_cancel(actor=colleague, batch=batch)
    services.import_batch_commit(actor=world.users["supervisor"], batch=batch, run="caller")
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.COMMITTING


def test_commit_refuses_an_unknown_run_mode_and_a_batch_not_being_committed(world, head_a):
    batch = check(head_a, ROSTER)
    with pytest.raises(ValueError, match="run must be"):
        services.import_batch_commit(actor=head_a, batch=batch, run="someday")
    with pytest.raises(TransitionNotAllowed):
        services.import_batch_apply(actor=head_a, batch=batch)


def test_a_batch_cancelled_while_its_import_ran_is_rolled_back(world, head_a):
    batch = check(head_a, ROSTER)
    services.import_batch_commit(actor=head_a, batch=batch, run="caller")
    real_apply = importing.apply

    def apply_then_cancel(locked, actor):
        result = real_apply(locked, actor)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CANCELLED)  # another connection did
        return result

    with mock.patch("taizhang.ledgers.services.importing.apply", apply_then_cancel):
        batch = services.run_commit(batch, head_a)
    assert batch.status == ImportStatus.CANCELLED
    from taizhang.org.models import Person

    assert not Person.objects.filter(name="张三").exists()


def test_cancelling_twice_is_harmless_and_an_imported_batch_cannot_be_cancelled(world, head_a):
    batch = check(head_a, ROSTER)
    services.import_batch_cancel(actor=head_a, batch=batch)
    assert services.import_batch_cancel(actor=head_a, batch=batch).status == ImportStatus.CANCELLED
    done = commit(check(head_a, ROSTER), head_a)
    with pytest.raises(TransitionNotAllowed):
        services.import_batch_cancel(actor=head_a, batch=done)


def test_each_audited_service_leaves_a_history_row_with_user_and_source(world, head_a):
    with history_probe() as rows, audit_context(head_a, Source.JOB):
        commit(check(head_a, ROSTER), head_a)
        batch = check(head_a, ROSTER)
        services.import_batch_cancel(actor=head_a, batch=batch)
        failed = check(head_a, b"not a spreadsheet at all")
        assert failed.status == ImportStatus.FAILED
        changed = check(head_a, xlsx_bytes([["姓名", "所在单位", "职务"], ["张三", "甲街道", "科长"]]))
        from taizhang.org import services as org
        from taizhang.org.models import Person

        org.person_update(actor=world.admin, person=Person.objects.get(name="张三"), values={"title": "处长"})
        assert commit(changed, head_a).status == ImportStatus.READY  # rechecked
        once = services.import_batch_create(
            actor=head_a,
            kind="people",
            upload=upload(xlsx_bytes([["姓名", "所在单位"], ["一次", "甲街道"]]), "once.xlsx"),
            run="caller",
        )
        assert services.run_at_once(once, head_a).status == ImportStatus.COMMITTED
    by_service = {row.service for row in rows}
    from taizhang.ledgers import services as module

    missing = set(services_of(module)) - by_service
    assert not missing, f"services that wrote no history: {missing}"
    batch_rows = [r for r in rows if r.model == "ledgers.ImportBatch"]
    assert all(r.user_id == head_a.pk and r.source == Source.JOB for r in batch_rows)
