"""Who may import, and act on an import batch (django-rules). Which batches a user sees is the selectors' job.

Importing itself needs the right to import the batch's ledger (its adapter asks the ledger's own permissions,
for example ``org.add_person``), and each row is checked again with the rules of that ledger's forms.
"""

from typing import Any

import rules

from taizhang.core.permissions import is_district_writer


@rules.predicate
def may_import_some_ledger(user: Any) -> bool:
    from taizhang.ledgers import registry

    return bool(registry.importable_by(user))


@rules.predicate
def uploaded_it(user: Any, batch: Any = None) -> bool:
    return batch is not None and batch.created_by_id == user.pk


@rules.predicate
def may_import_its_ledger(user: Any, batch: Any = None) -> bool:
    from taizhang.ledgers import registry

    if batch is None:
        return False
    try:
        return registry.get(batch.kind).can_import(user)
    except KeyError:
        return False


rules.add_perm("ledgers.add_importbatch", may_import_some_ledger)
rules.add_perm("ledgers.commit_importbatch", may_import_its_ledger & (uploaded_it | is_district_writer))
rules.add_perm("ledgers.cancel_importbatch", uploaded_it | (may_import_its_ledger & is_district_writer))
