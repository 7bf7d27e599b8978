"""The admin pages of the configuration, the reminder job and its command, the home cards, edge cases."""

from __future__ import annotations

from django.core.management import call_command

from taizhang.core import clock, workdays
from taizhang.core.roles import Role
from taizhang.issues import services
from taizhang.issues.models import Issue, IssueCounter, Open311Client
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import make_issue_in
from taizhang.notifications import scheduler
from taizhang.org import services as org_services


def test_a_counter_made_by_a_racing_registration_is_used(world, audit, monkeypatch):
    IssueCounter.objects.create(year=2030, last=7)
    original = services._bump
    calls = []

    def bump(year):
        calls.append(year)
        return None if len(calls) == 1 else original(year)  # as if the counter did not exist when first looked at

    monkeypatch.setattr(services, "_bump", bump)
    assert services._next_sequence(2030) == 8


def test_the_reporter_hears_when_the_issue_is_closed(world, issue_a, inspectors, django_capture_on_commit_callbacks):
    reporter = world.users["reporter_a"]
    issue = services.issue_transition(actor=reporter, issue=issue_a, action="acknowledge")
    issue = services.issue_transition(actor=reporter, issue=issue, action="start")
    services.evidence_add(actor=reporter, issue=issue, kind="after", file=photo())
    issue = services.issue_transition(actor=reporter, issue=issue, action="request_closure", measures="好")
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_transition(actor=inspectors[0], issue=issue, action="verify_pass")
    assert world.admin.notifications.get(kind="issue.verify_pass").title.startswith("核查通过")  # site language


def test_a_photo_of_an_issue_without_a_place_has_no_distance(world, audit, monday):
    issue = make_issue_in(world, world.unit_a, "无坐标", longitude=None, latitude=None)
    evidence = services.evidence_add(
        actor=world.admin,
        issue=issue,
        kind="before",
        file=photo(taken_at=at(2026, 9, 28, 8), longitude=113.6, latitude=34.7),
    )
    assert evidence.distance_m is None and not evidence.no_exif


def test_the_reminder_command_runs_now_or_queues(world, issue_a, capsys):
    from taizhang.core import clock

    with clock.travel(at(2026, 10, 8, 9)):
        call_command("issues_remind", "--now")
        assert "overdue=1" in capsys.readouterr().out
        call_command("issues_remind")  # the test backend runs queued jobs at once
    assert "queued" in capsys.readouterr().out
    row = issue_a.history.order_by("-history_id").first()
    assert row.history_source == "job"


def test_the_scheduled_reminder_flags_an_overdue_issue_and_tells_its_unit(
    world, issue_a, django_capture_on_commit_callbacks
):
    """The acceptance sentence: a periodic job flags overdue issues and sends reminders (the test backend runs
    an enqueued job at once; in production the job worker started by `taizhang serve` does)."""
    with clock.travel(at(2026, 10, 8, 9)), django_capture_on_commit_callbacks(execute=True):
        assert "issues.remind" in scheduler.run_due()
    issue = Issue.objects.get(pk=issue_a.pk)
    assert issue.overdue_notified_at == at(2026, 10, 8, 9)
    assert world.users["reporter_a"].notifications.filter(kind="issue.overdue").count() == 1
    assert issue.history.order_by("-history_id").first().history_source == "job"


def test_open311_clients_are_added_in_the_admin_and_the_key_is_shown_once(world, audit, admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    hotline = org_services.user_create(actor=world.admin, username="hotline", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=hotline, unit=world.unit_a, role=Role.REPORTER)
    form = {
        "name": "12345平台",
        "user": hotline.pk,
        "source": world.data["sources"]["hotline"].pk,
        "coordinate_system": "wgs84",
        "is_active": "on",
    }
    response = admin_client.post("/admin/issues/open311client/add/", form, follow=True)
    client = Open311Client.objects.get()
    page = response.content.decode()
    assert client.key_prefix in page and "shown only now" in page
    response = admin_client.post(
        "/admin/issues/open311client/", {"action": "new_key", "_selected_action": [client.pk]}, follow=True
    )
    client.refresh_from_db()
    assert client.key_prefix in response.content.decode()
    assert admin_client.get("/admin/issues/issuecategory/").status_code == 200
    assert admin_client.get("/admin/issues/routingrule/add/").status_code == 200


def test_administrators_are_warned_about_a_missing_year_on_the_home_page(world, as_admin, as_reporter_a, monkeypatch):
    monkeypatch.setattr(workdays, "warnings_for", lambda: ["2027 has no holiday data"])
    page = as_admin.get("/").content.decode()
    assert 'data-testid="card-calendar"' in page and "2027 has no holiday data" in page
    assert "card-calendar" not in as_reporter_a.get("/").content.decode()
    monkeypatch.setattr(workdays, "warnings_for", list)
    assert "card-calendar" not in as_admin.get("/").content.decode()


def test_someone_without_a_role_sees_no_issue_card(as_outsider):
    assert "card-issues" not in as_outsider.get("/").content.decode()
