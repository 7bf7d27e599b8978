"""Every write of the spreadsheet engine: import batches from upload to import, and their cancellation.

The records a batch imports are written by the ledger's own services (through its adapter), inside
:func:`import_batch_apply`; the services here only keep the batch: its file, its checked plan, its status.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core import services as base
from taizhang.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from taizhang.core.permissions import ensure
from taizhang.core.scoping import scope_for
from taizhang.core.services import service
from taizhang.ledgers import bulk, conf, importing, registry, workflow
from taizhang.ledgers import values as v
from taizhang.ledgers.models import ImportBatch, ImportRow, ImportStatus
from taizhang.ledgers.reading import mb
from taizhang.org.models import Unit, User

logger = logging.getLogger(__name__)

# When the check or the import runs: "auto" (at once for small files, as a job for large ones), "later" (always a
# job), "caller" (the caller runs importing.analyse / run_commit itself: commands, the demo).
RUN_CHOICES = ("auto", "later", "caller")


def _home_unit(actor: User) -> Unit | None:
    """The unit a batch belongs to by default: the actor's first membership."""
    membership = actor.memberships.live().filter(is_active=True).select_related("unit").order_by("pk").first()
    return membership.unit if membership is not None else None


@service
def import_batch_create(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile,
    sheet: str = "",
    period: str = "",
    unit: Unit | None = None,
    run: str = "auto",
) -> ImportBatch:
    """Store an uploaded spreadsheet as a batch of ``kind`` and have it checked.

    Guarantees: the actor may import this ledger; the file is within the size limit; the period, when given,
    is a real YYYY-MM; the batch belongs to a unit the actor may see (their own by default). The check runs
    after the commit: at once for small files, as a background job for large ones (see ``RUN_CHOICES``).
    """
    ensure(actor, "ledgers.add_importbatch")
    try:
        ledger = registry.get(kind)
    except KeyError as exc:
        raise ValidationFailed(
            fields={"kind": [_("There is no ledger “%(kind)s” to import.") % {"kind": kind}]}
        ) from exc
    if not ledger.can_import(actor):
        raise PermissionDenied(_("You may not import into %(ledger)s.") % {"ledger": ledger.label})
    if upload.size is not None and upload.size > conf.max_upload_bytes():
        raise ValidationFailed(
            fields={
                "file": [
                    _("The file is %(size)s; files up to %(limit)s can be imported.")
                    % {"size": mb(upload.size), "limit": mb(conf.max_upload_bytes())}
                ]
            }
        )
    if not upload.size:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    if period:
        try:
            year, month = v.parse_period(period)
        except v.ValueProblem as problem:
            raise ValidationFailed(fields={"period": [problem.message]}) from problem
        period = f"{year:04d}-{month:02d}"
    if run not in RUN_CHOICES:
        raise ValueError(f"run must be one of {RUN_CHOICES}")
    unit = unit or _home_unit(actor)
    if unit is None:
        raise ValidationFailed(fields={"unit": [_("Say which unit this import is for.")]})
    if not scope_for(actor).can_read_unit(unit.pk):
        raise NotFound
    batch = base.create(
        ImportBatch,
        kind=kind,
        unit=unit,
        created_by=actor,
        file=upload,
        filename=(upload.name or "upload")[-255:],
        size=upload.size,
        sheet=sheet.strip(),
        period=period,
    )
    if run != "caller":
        transaction.on_commit(lambda: _schedule(batch.pk, actor.pk, "analyse", run, batch.size))
    return batch


def _schedule(batch_id: int, user_id: int, job: str, run: str, size: int) -> None:
    """Run a batch's check or commit now (small files) or as a background job (large ones)."""
    from taizhang.ledgers import tasks

    background = run == "later" or (run == "auto" and size > conf.background_above_bytes())
    if background:
        (tasks.analyse_batch if job == "analyse" else tasks.commit_batch).enqueue(batch_id, user_id)
        return
    batch = ImportBatch.objects.get(pk=batch_id)
    user = User.objects.get(pk=user_id)
    if job == "analyse":
        importing.analyse(batch, user)
    else:
        run_commit(batch, user)


def run_commit(batch: ImportBatch, user: User) -> ImportBatch:
    """Import a batch that is being committed; when the plan no longer holds, check the file again."""
    try:
        import_batch_apply(actor=user, batch=batch)
    except importing.PlanChanged as changed:
        import_batch_recheck(actor=user, batch=batch, message=changed.message)
        importing.analyse(batch, user)
    except importing.Cancelled:
        import_batch_cancel(actor=user, batch=batch, by_job=True)
    finally:
        importing.clear_signals(batch.pk)
    batch.refresh_from_db()
    return batch


def run_at_once(batch: ImportBatch, user: User) -> ImportBatch:
    """Check and import a batch in one pass (see :func:`import_batch_run`); when a row has an error, nothing is
    written and the batch is checked the usual way instead, so that its preview lists every problem."""
    try:
        import_batch_run(actor=user, batch=batch)
    except importing.HasErrors:
        importing.analyse(batch, user)
    except Exception:  # a file that cannot be read, or worse: the usual check says why (and logs the rest)
        logger.info("importing batch %s at once failed; checking it instead", batch.pk, exc_info=True)
        importing.analyse(batch, user)
    finally:
        importing.clear_signals(batch.pk)
    batch.refresh_from_db()
    return batch


@service
def import_batch_run(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Check and import a waiting batch in one transaction, for callers that want no preview (the command
    line without ``--dry-run``): every row is checked as by the check and written as by the import.

    Guarantees: the same outcome as a check followed by an import (the batch ends imported, with its counts,
    layout and per-row outcome), or — when any row has an error (``importing.HasErrors``) — nothing written
    and the batch still waiting to be checked.
    """
    ensure(actor, "ledgers.commit_importbatch", batch)
    import_batch_start(actor=actor, batch=batch)
    summary, parser = importing.apply_at_once(batch, actor)
    assert parser.layout is not None
    fields = summary.as_fields()
    problems = [p.stored() for p in parser.problems]
    _move(
        batch,
        "checked",
        **fields,
        layout=parser.layout.as_dict(),
        problems=problems,
        analysed_at=timezone.now(),
        period=batch.period or parser.layout.period,
        progress_done=summary.rows_read,
        progress_total=summary.rows_read,
    )
    _move(batch, "commit", message="")
    del fields["plan_digest"]
    return _move(batch, "committed", **fields, committed_at=timezone.now(), committed_by=actor)


def _move(batch: ImportBatch, action: str, **values: Any) -> ImportBatch:
    """Apply a workflow transition (and other field values) to the stored batch, with its history row."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    values["status"] = workflow.target(locked.status, action)
    base.change(locked, values)
    batch.refresh_from_db()
    return batch


@service
def import_batch_start(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """The check begins: the plan of an earlier check is discarded."""
    ImportRow.objects.filter(batch=batch).delete()
    return _move(batch, "analyse", problems=[])


@service(audited=False)
def import_batch_progress(*, actor: User, batch: ImportBatch, done: int, total: int) -> None:
    """Record how far a running check is (not history: progress ticks are not changes of the batch)."""
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=done, progress_total=max(total, done))


@service(audited=False)
def import_batch_record(*, actor: User, batch: ImportBatch, rows: list[ImportRow], done: int) -> None:
    """Store one chunk of the plan. Raises :class:`importing.Cancelled` when the batch was cancelled."""
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.ANALYSING).exists():
        raise importing.Cancelled
    bulk.insert(ImportRow, rows)
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=done)


@service
def import_batch_checked(
    *, actor: User, batch: ImportBatch, summary: dict[str, Any], layout: dict[str, Any], problems: list[Any]
) -> ImportBatch:
    """The check is complete: the counts, the layout found and the sheet's problems are stored."""
    return _move(
        batch,
        "checked",
        **summary,
        progress_done=summary["rows_read"],
        progress_total=summary["rows_read"],
        layout=layout,
        problems=problems,
        period=batch.period or layout.get("period", ""),
        analysed_at=timezone.now(),
    )


@service
def import_batch_refuse(*, actor: User, batch: ImportBatch, message: str) -> ImportBatch:
    """The file cannot be imported at all (not a spreadsheet, too large, no header…): say why."""
    ImportRow.objects.filter(batch=batch).delete()
    problem = {"row": None, "column": "", "value": "", "message": message, "severity": "error"}
    return _move(batch, "refuse", message=message, problems=[problem], errors=1, analysed_at=timezone.now())


@service
def import_batch_commit(*, actor: User, batch: ImportBatch, run: str = "auto") -> ImportBatch:
    """Ask for a checked batch to be imported. Refused while the check found errors.

    The import itself runs after this commits: at once for small files, as a background job otherwise.
    """
    ensure(actor, "ledgers.commit_importbatch", batch)
    if batch.status == ImportStatus.READY and batch.errors:
        raise TransitionNotAllowed(_("Correct the errors first: a file with errors cannot be imported."))
    if run not in RUN_CHOICES:
        raise ValueError(f"run must be one of {RUN_CHOICES}")
    _move(batch, "commit", message="")
    importing.clear_signals(batch.pk)  # a cancel meant for an earlier run must not stop this one
    if run != "caller":
        transaction.on_commit(lambda: _schedule(batch.pk, actor.pk, "commit", run, batch.size))
    return batch


@service
def import_batch_apply(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Import every row of a batch being committed, in this one transaction, through the ledger's services.

    Guarantees: all rows or none; each record written by its service with the same checks as a form; history
    for the records in bulk with source ``import``; the per-row outcome stored on the batch. When a row fails
    or the plan differs from the preview, :class:`importing.PlanChanged` rolls everything back.
    """
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    workflow.target(locked.status, "committed")
    summary = importing.apply(locked, actor)
    if ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first() != ImportStatus.COMMITTING:
        raise importing.Cancelled
    fields = summary.as_fields()
    del fields["plan_digest"]
    return _move(batch, "committed", **fields, committed_at=timezone.now(), committed_by=actor)


@service
def import_batch_recheck(*, actor: User, batch: ImportBatch, message: str) -> ImportBatch:
    """The commit found that the plan no longer holds: nothing was imported, the file is checked again."""
    return _move(
        batch, "recheck", message=_("Nothing was imported. %(why)s The file was checked again.") % {"why": message}
    )


@service
def import_batch_cancel(*, actor: User, batch: ImportBatch, by_job: bool = False) -> ImportBatch:
    """Cancel a batch before it is imported. A running check stops at its next chunk; a running import is
    rolled back (it watches the cancel signal that :func:`importing.request_cancel` sends)."""
    if not by_job:
        ensure(actor, "ledgers.cancel_importbatch", batch)
    importing.request_cancel(batch.pk)
    if ImportBatch.objects.select_for_update().get(pk=batch.pk).status == ImportStatus.CANCELLED:
        batch.refresh_from_db()
        return batch  # the job and the person both asked: once is enough
    return _move(batch, "cancel", cancel_requested=True)
