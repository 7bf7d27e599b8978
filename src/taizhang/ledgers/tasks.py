"""Background jobs: checking and importing large spreadsheets (the Django Tasks API, database backend)."""

from __future__ import annotations

from django_tasks import task

from taizhang.core.audit import Source, audit_context


@task()
def analyse_batch(batch_id: int, user_id: int) -> None:
    """Check every row of an uploaded batch, reporting progress as it goes."""
    from taizhang.ledgers import importing
    from taizhang.ledgers.models import ImportBatch
    from taizhang.org.models import User

    batch = ImportBatch.objects.get(pk=batch_id)
    user = User.objects.get(pk=user_id)
    with audit_context(user, Source.JOB):
        importing.analyse(batch, user)


@task()
def commit_batch(batch_id: int, user_id: int) -> None:
    """Import a checked batch in one transaction; on any change since the check, check it again instead."""
    from taizhang.ledgers import services
    from taizhang.ledgers.models import ImportBatch
    from taizhang.org.models import User

    batch = ImportBatch.objects.get(pk=batch_id)
    user = User.objects.get(pk=user_id)
    with audit_context(user, Source.JOB):
        services.run_commit(batch, user)
