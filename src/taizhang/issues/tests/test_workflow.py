"""The workflow table as the services execute it: every transition, its roles, guards, counters and events."""

from __future__ import annotations

import datetime as dt

import pytest

from taizhang.core import clock
from taizhang.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from taizhang.core.roles import Role
from taizhang.issues import services, workflow
from taizhang.issues.choices import Status
from taizhang.issues.models import Issue, IssueEvent
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import make_issue_in
from taizhang.org import services as org_services


def act(issue, user, action, **params):
    return services.issue_transition(actor=user, issue=issue, action=action, **params)


def after_photo(issue, user, when=None):
    lon, lat = issue.point
    return services.evidence_add(
        actor=user,
        issue=issue,
        kind="after",
        file=photo("after.jpg", taken_at=when or clock.now(), longitude=lon, latitude=lat),
    )


def rectified(issue, user):
    """Acknowledge, start, photograph and ask to close, as the unit's ``user``."""
    issue = act(issue, user, "acknowledge")
    issue = act(issue, user, "start", note="安排清运")
    after_photo(issue, user)
    return act(issue, user, "request_closure", measures="已清理")


def test_an_issue_goes_from_registration_to_closing(world, issue_a, inspectors):
    reporter = world.users["reporter_a"]
    assert issue_a.status == Status.DISPATCHED and issue_a.dispatched_at is not None
    issue = rectified(issue_a, reporter)
    assert issue.status == Status.CLOSURE_REQUESTED and issue.rectified_by == reporter
    issue = act(issue, inspectors[0], "verify_pass", note="已核查")
    assert issue.status == Status.CLOSED and issue.closed_on_time is True and issue.verified_by == inspectors[0]
    events = list(issue.events.values_list("action", "from_status", "to_status"))
    assert events == [
        ("register", "", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("acknowledge", "dispatched", "acknowledged"),
        ("start", "acknowledged", "rectifying"),
        ("evidence", "rectifying", "rectifying"),
        ("request_closure", "rectifying", "closure_requested"),
        ("verify_pass", "closure_requested", "closed"),
    ]
    assert IssueEvent.objects.get(issue=issue, action="verify_pass").actor == inspectors[0]
    assert workflow.allowed(issue, reporter) == []


def test_a_disallowed_action_says_what_is_allowed(world, issue_a, inspectors):
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue_a, world.users["reporter_a"], "verify_pass")
    assert caught.value.status == 409
    message = caught.value.message
    assert "Not from the state Dispatched" in message
    assert "Acknowledge" in message and "Ask for more time" in message and "Send back" in message
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue_a, world.users["supervisor"], "acknowledge")
    assert "Needs one of these roles" in caught.value.message and "Reassign" in caught.value.message
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue_a, world.users["reporter_a"], "fly")
    assert "There is no action 'fly'" in caught.value.message


def test_nobody_outside_the_unit_may_act(world, issue_a):
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue_a, world.users["reporter_b"], "acknowledge")
    assert "none" in caught.value.message
    assert Issue.objects.get(pk=issue_a.pk).status == Status.DISPATCHED


def test_two_people_acting_at_once_one_wins_the_other_gets_a_conflict(world, issue_a, head_a):
    seen = issue_a.version
    act(issue_a, world.users["reporter_a"], "acknowledge", expected_version=seen)
    with pytest.raises(Conflict):
        act(issue_a, head_a, "acknowledge", expected_version=seen)
    assert issue_a.events.filter(action="acknowledge").count() == 1


def test_a_vanished_issue_is_not_found(world, issue_a):
    ghost = Issue(pk=999_999)
    with pytest.raises(NotFound):
        act(ghost, world.users["reporter_a"], "acknowledge")


def test_closure_needs_an_after_photo_and_a_rework_needs_a_new_one(world, issue_a, inspectors):
    reporter = world.users["reporter_a"]
    issue = act(act(issue_a, reporter, "acknowledge"), reporter, "start")
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue, reporter, "request_closure", measures="已整改")
    assert "after' photo" in caught.value.message
    with clock.travel(at(2026, 9, 28, 10)):
        after_photo(issue, reporter)
    with pytest.raises(ValidationFailed) as missing:
        act(issue, reporter, "request_closure")
    assert "measures" in missing.value.fields
    with clock.travel(at(2026, 9, 28, 11)):
        issue = act(issue, reporter, "request_closure", measures="已整改")
        issue = act(issue, inspectors[0], "verify_fail", reason="仍有垃圾")
    assert issue.status == Status.RECTIFYING and issue.rework_count == 1 and issue.closure_requested_at is None
    with clock.travel(at(2026, 9, 28, 12)), pytest.raises(TransitionNotAllowed) as caught:
        act(issue, reporter, "request_closure", measures="再次整改")
    assert "new 'after' photo" in caught.value.message
    with clock.travel(at(2026, 9, 28, 14)):
        after_photo(issue, reporter)
        issue = act(issue, reporter, "request_closure", measures="再次整改")
        issue = act(issue, inspectors[1], "verify_pass")
    assert issue.status == Status.CLOSED and issue.rework_count == 1


def test_the_rectifier_may_not_verify(world, issue_a, audit):
    both = org_services.user_create(actor=world.admin, username="both", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=both, unit=world.unit_a, role=Role.REPORTER)
    org_services.membership_create(actor=world.admin, user=both, unit=world.units["SUP"], role=Role.INSPECTOR)
    issue = rectified(issue_a, both)
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue, both, "verify_pass")
    assert "someone else must verify" in caught.value.message
    # Uploading the after photos is rectifying too, even without asking for closure.
    photographer = world.admin
    issue = act(issue, world.users["supervisor"], "verify_fail", reason="不彻底")
    after_photo(issue, photographer)
    issue = act(issue, world.users["reporter_a"], "request_closure", measures="再整改")
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue, photographer, "verify_pass")
    assert "uploaded the rectification photos" in caught.value.message


def test_an_extension_is_asked_for_and_granted_or_refused(world, issue_a, django_capture_on_commit_callbacks):
    reporter, office = world.users["reporter_a"], world.users["supervisor"]
    old = issue_a.deadline
    with pytest.raises(ValidationFailed) as early:
        act(issue_a, reporter, "request_extension", deadline=dt.date(2026, 9, 28), reason="需协调")
    assert "after the current deadline" in early.value.fields["deadline"][0]
    with django_capture_on_commit_callbacks(execute=True):
        issue = act(issue_a, reporter, "request_extension", deadline=dt.date(2026, 10, 12), reason="需协调")
    assert issue.pending_request == "extension" and issue.deadline == old
    assert world.users["supervisor"].notifications.filter(kind="issue.request_extension").exists()
    issue = act(issue, reporter, "acknowledge")
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue, reporter, "request_shelve", review_date=dt.date(2026, 12, 1), reason="再说")
    assert "waiting for a decision" in caught.value.message
    issue = act(issue, office, "grant_extension", note="同意")
    assert issue.pending_request == "" and issue.extension_count == 1 and issue.deadline_explicit
    assert issue.deadline == at(2026, 10, 12, 17, 30)
    assert issue.yellow_at == at(2026, 10, 10, 17, 30)  # one workday before: the make-up Saturday
    issue = act(issue, reporter, "request_extension", deadline=dt.date(2026, 10, 20), reason="再延")
    with pytest.raises(ValidationFailed):
        act(issue, office, "refuse_extension")
    issue = act(issue, office, "refuse_extension", reason="可以完成")
    assert issue.deadline == at(2026, 10, 12, 17, 30) and issue.extension_count == 1
    with pytest.raises(TransitionNotAllowed):
        act(issue, office, "grant_extension")


def test_shelving_needs_approval_and_a_review_date(world, issue_a):
    reporter, office = world.users["reporter_a"], world.users["supervisor"]
    issue = act(issue_a, reporter, "acknowledge")
    with pytest.raises(ValidationFailed) as past:
        act(issue, reporter, "request_shelve", review_date=dt.date(2026, 9, 1), reason="拆迁")
    assert "future" in past.value.fields["review_date"][0]
    issue = act(issue, reporter, "request_shelve", review_date=dt.date(2026, 12, 31), reason="拆迁")
    assert issue.status == Status.ACKNOWLEDGED and issue.pending_request == "shelve"
    issue = act(issue, office, "refuse_shelve", reason="先整改")
    assert issue.pending_request == ""
    issue = act(issue, reporter, "request_shelve", review_date=dt.date(2026, 12, 31), reason="拆迁")
    issue = act(issue, office, "approve_shelve")
    assert issue.status == Status.SHELVED and issue.shelve_review_date == dt.date(2026, 12, 31)
    assert issue.light.colour == "" and "Shelved until" in issue.light.explanation
    with clock.travel(at(2026, 12, 31, 10)):
        issue = act(issue, office, "resume", note="条件具备")
    assert issue.status == Status.RECTIFYING and issue.shelve_review_date is None
    # 2027 is not in chinesecalendar 1.11.0 and has no overrides here: weekends only, so 01-01 counts.
    assert issue.deadline == at(2027, 1, 4, 17, 30)


def test_resume_with_a_deadline_set_by_hand(world, issue_a):
    reporter, office = world.users["reporter_a"], world.users["supervisor"]
    issue = act(issue_a, reporter, "acknowledge")
    issue = act(issue, reporter, "request_shelve", review_date=dt.date(2026, 12, 31), reason="拆迁")
    issue = act(issue, office, "approve_shelve")
    with pytest.raises(ValidationFailed):
        act(issue, office, "resume", deadline=dt.date(2026, 9, 1))
    issue = act(issue, office, "resume", deadline=dt.date(2026, 11, 30))
    assert issue.deadline == at(2026, 11, 30, 17, 30) and issue.deadline_explicit


def test_reassigning_moves_the_issue_and_counts(world, issue_a, django_capture_on_commit_callbacks, audit):
    office = world.users["supervisor"]
    issue = act(issue_a, world.users["reporter_a"], "acknowledge")
    with pytest.raises(ValidationFailed) as same:
        act(issue, office, "reassign", unit=world.unit_a, reason="改派")
    assert "already with" in same.value.fields["unit"][0]
    with pytest.raises(ValidationFailed) as stranger:
        act(issue, office, "reassign", unit=world.unit_b, chief=world.people["A"], reason="改派")
    assert "does not belong" in stranger.value.fields["chief"][0]
    closed = org_services.unit_create(actor=world.admin, code="OLD", name="撤销单位", kind="other", is_active=False)
    with pytest.raises(ValidationFailed):
        act(issue, office, "reassign", unit=closed, reason="改派")
    with django_capture_on_commit_callbacks(execute=True):
        issue = act(issue, office, "reassign", unit=world.unit_b, chief=world.people["B"], reason="属乙街道")
    assert issue.responsible_unit == world.unit_b and issue.status == Status.DISPATCHED
    assert issue.reassignment_count == 1 and issue.acknowledged_at is None
    assert world.users["reporter_b"].notifications.filter(kind="issue.reassign").exists()
    event = issue.events.get(action="reassign")
    assert event.data == {"from_unit": "甲街道", "to_unit": "乙街道"} and event.reason == "属乙街道"


def test_a_unit_sends_back_what_is_not_its_own(world, issue_a):
    issue = act(issue_a, world.users["reporter_a"], "send_back", reason="不在辖区")
    assert issue.status == Status.REGISTERED
    issue = act(issue, world.users["supervisor"], "dispatch")
    assert issue.status == Status.DISPATCHED


def test_a_closed_issue_that_comes_back_is_reopened_and_counted(world, issue_a, inspectors):
    issue = act(rectified(issue_a, world.users["reporter_a"]), inspectors[0], "verify_pass")
    with clock.travel(at(2026, 10, 12, 9)):
        issue = act(issue, inspectors[1], "reopen", reason="垃圾又堆起来了")
    assert issue.status == Status.DISPATCHED and issue.recurrence_count == 1
    assert issue.closed_at is None and issue.closed_on_time is None and issue.rectified_by is None
    assert issue.deadline == at(2026, 10, 14, 17, 30)


def test_void_needs_a_kind_and_a_reason_and_ends_everything(world, issue_a):
    office = world.users["supervisor"]
    with pytest.raises(ValidationFailed) as missing:
        act(issue_a, office, "void", reason="重复")
    assert "void_kind" in missing.value.fields
    with pytest.raises(ValidationFailed):
        act(issue_a, office, "void", void_kind="nonsense", reason="重复")
    issue = act(issue_a, office, "void", void_kind="duplicate", reason="与2026-000001重复")
    assert issue.is_void and issue.void_kind == "duplicate" and issue.void_reason == "与2026-000001重复"
    with pytest.raises(TransitionNotAllowed) as caught:
        act(issue, world.users["reporter_a"], "acknowledge")
    assert "voided" in caught.value.message
    assert issue.light.label == "voided"


def test_a_hotline_report_waits_for_the_office(world, audit, monday):
    issue = make_issue_in(world, world.unit_a, "热线", source=world.data["sources"]["hotline"])
    assert issue.status == Status.REGISTERED and issue.dispatched_at is None
    with pytest.raises(TransitionNotAllowed):
        act(issue, world.users["reporter_a"], "dispatch")
    issue = act(issue, world.users["supervisor"], "dispatch")
    assert issue.status == Status.DISPATCHED


def test_the_table_documents_every_action_once_per_state():
    rows = workflow.table_rows()
    assert {row.transition.action for row in rows} == set(workflow.BY_ACTION)
    assert rows[0].state == Status.REGISTERED
    assert len(rows) == sum(len(t.sources) for t in workflow.TRANSITIONS)
    assert "Inspector" in workflow.BY_ACTION["verify_pass"].roles_label()
    assert workflow.event_label("overdue") == "Flagged overdue"
    assert workflow.event_label("verify_fail") == "Verify: fail"
    assert workflow.event_label("mystery") == "mystery"


def test_the_workflow_page_shows_the_table_of_the_code():
    from pathlib import Path

    page = Path(__file__).resolve().parents[4] / "docs" / "workflows" / "issues.md"
    assert workflow.markdown_table() in page.read_text(encoding="utf-8"), "regenerate the table in the docs"
