"""The batch's transition table: what each status allows."""

import pytest

from taizhang.core.errors import TransitionNotAllowed
from taizhang.ledgers import workflow
from taizhang.ledgers.models import ImportStatus as S


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (S.QUEUED, "analyse", S.ANALYSING),
        (S.ANALYSING, "checked", S.READY),
        (S.ANALYSING, "refuse", S.FAILED),
        (S.READY, "commit", S.COMMITTING),
        (S.COMMITTING, "committed", S.COMMITTED),
        (S.COMMITTING, "recheck", S.QUEUED),
        (S.COMMITTING, "cancel", S.CANCELLED),
    ],
)
def test_allowed_transitions(status, action, target):
    assert workflow.can(status, action)
    assert workflow.target(status, action) == target


@pytest.mark.parametrize(
    ("status", "action"), [(S.COMMITTED, "cancel"), (S.FAILED, "commit"), (S.CANCELLED, "analyse")]
)
def test_refused_transitions_say_why(status, action):
    with pytest.raises(TransitionNotAllowed):
        workflow.target(status, action)


def test_people_act_only_on_batches_that_are_not_finished():
    assert [t.action for t in workflow.user_actions(S.READY)] == ["commit", "cancel"]
    assert [t.action for t in workflow.user_actions(S.ANALYSING)] == ["cancel"]
    assert workflow.user_actions(S.COMMITTED) == []
