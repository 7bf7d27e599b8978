"""Every write leaves a history row that says who, from where and why — on every write path."""

import datetime as dt

import pytest
from django.core.management import call_command

from taizhang.core.audit import Source, audit_context
from taizhang.core.roles import Role
from taizhang.core.testing.audit_probe import history_probe, services_of
from taizhang.org import services as org_services
from taizhang.org.models import Area, Membership, Person, Unit
from taizhang.org.tests.world import SQUARE


def test_each_org_service_leaves_a_history_row_with_user_and_source(world):
    actor = world.admin
    with history_probe() as rows, audit_context(actor, Source.JOB, reason="nightly sync"):
        s = org_services
        unit = s.unit_create(actor=actor, code="H1", name="历史单位", kind="other")
        s.unit_update(actor=actor, unit=unit, values={"short_name": "历史"})
        user = s.user_create(actor=actor, username="history_user", password="a-Long-pass-2026")
        s.user_set_password(actor=actor, user=user, password="b-Long-pass-2026")
        m = s.membership_create(actor=actor, user=user, unit=unit, role=Role.REPORTER)
        s.membership_update(actor=actor, membership=m, values={"role": Role.INSPECTOR})
        s.membership_void(actor=actor, membership=m, reason="moved")
        person = s.person_create(actor=actor, name="历史人员", unit=unit)
        s.person_update(actor=actor, person=person, values={"title": "科员"})
        area = s.area_create(
            actor=actor, code="HA", name="历史网格", kind="grid", geometry=SQUARE, responsible_unit=unit
        )
        s.area_update(actor=actor, area=area, values={"name": "历史网格二"})
        s.area_void(actor=actor, area=area, reason="redrawn")
        s.person_void(actor=actor, person=person, reason="left")
        s.unit_void(actor=actor, unit=unit, reason="test unit")
    by_service: dict[str, list] = {}
    for row in rows:
        by_service.setdefault(row.service, []).append(row)
    missing = set(services_of(org_services)) - set(by_service)
    assert not missing, f"services that wrote no history: {missing}"
    for service, written in by_service.items():
        for row in written:
            assert row.user_id == actor.pk, (service, row)
            assert row.source == Source.JOB, (service, row)
    assert Area.objects.get(code="HA").history.filter(history_change_reason="redrawn").exists()


def test_a_web_write_is_recorded_as_web_with_the_signed_in_user(as_supervisor, world):
    as_supervisor.post("/org/people/new/", {"name": "网页人员", "unit": world.unit_a.pk, "sort_order": "0"})
    row = Person.objects.get(name="网页人员").history.get()
    assert (row.history_user, row.history_source) == (world.users["supervisor"], "web")


def test_a_command_write_is_recorded_as_command_with_the_named_user(db, capsys):
    call_command("demo", "--quiet-logins")
    unit = Unit.objects.get(code="HHL")
    assert unit.history.earliest().history_source == "command"
    from taizhang.org.models import User

    admin = User.objects.get(username="admin")
    from taizhang.core.commands import AuditedCommand

    class Touch(AuditedCommand):
        def handle(self, *args, **options):
            org_services.unit_update(actor=admin, unit=Unit.objects.get(code="HHL"), values={"sort_order": 99})

    call_command(Touch(), "--as", "admin")
    row = Unit.objects.get(code="HHL").history.first()
    assert (row.history_user, row.history_source) == (admin, "command")


def test_an_unknown_acting_user_stops_the_command(db, capsys):
    from taizhang.core.commands import AuditedCommand

    class Touch(AuditedCommand):
        def handle(self, *args, **options):
            raise AssertionError("must not run")

    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no active user named 'ghost'"):
        call_command(Touch(), "--as", "ghost")


@pytest.fixture
def admin_client(as_admin):
    return as_admin


def test_an_admin_write_goes_through_the_service_and_is_recorded_as_admin(admin_client, world):
    form = {
        "code": "ADM",
        "name": "后台单位",
        "short_name": "",
        "kind": "town",
        "division_code": "410102101000",
        "sort_order": "0",
        "is_active": "on",
        "parent": "",
    }
    response = admin_client.post("/admin/org/unit/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="ADM")
    assert unit.path == f"/{unit.pk}/"  # the service placed it in the tree
    row = unit.history.get()
    assert (row.history_user, row.history_source) == (world.admin, "admin")


def test_bad_input_in_the_admin_is_refused_on_the_form(admin_client, world):
    form = {
        "code": "ADM2",
        "name": "后台单位二",
        "kind": "subdistrict",
        "division_code": "410102101000",
        "sort_order": "0",
        "parent": "",
    }
    response = admin_client.post("/admin/org/unit/add/", form)
    assert response.status_code == 200
    assert "township segment" in response.content.decode()
    assert not Unit.objects.filter(code="ADM2").exists()
    change = {
        "code": "UA",
        "name": "甲街道",
        "kind": "subdistrict",
        "division_code": "410102001000",
        "sort_order": "0",
        "is_active": "on",
        "parent": world.units["A1"].pk,
    }
    response = admin_client.post(f"/admin/org/unit/{world.unit_a.pk}/change/", change)
    assert response.status_code == 200 and "cycle" in response.content.decode()
    assert Unit.objects.get(pk=world.unit_a.pk).parent is None


def test_the_admin_refuses_memberships_in_inactive_units(admin_client, world, audit):
    closed = org_services.unit_create(actor=world.admin, code="OLD", name="撤销单位", kind="other", is_active=False)
    form = {"user": world.users["outsider"].pk, "unit": closed.pk, "role": Role.REPORTER, "is_active": "on"}
    response = admin_client.post("/admin/org/membership/add/", form)
    assert response.status_code == 200 and "inactive" in response.content.decode()
    assert not Membership.objects.filter(unit=closed).exists()


def test_nothing_can_be_deleted_in_the_admin(admin_client, world):
    assert admin_client.get(f"/admin/org/unit/{world.unit_a.pk}/delete/").status_code == 403


def test_each_core_service_leaves_a_history_row_with_user_and_source(world):
    from taizhang.core import services as core_services

    leader, reporter = world.users["leader"], world.users["reporter_a"]
    with history_probe() as rows, audit_context(leader, Source.API):
        instruction = core_services.instruction_add(actor=leader, target=world.unit_a, text="抓紧")
        core_services.instruction_reply(actor=reporter, instruction=instruction, text="已办")
        override = core_services.workday_override_create(actor=world.admin, date=dt.date(2031, 1, 1), is_workday=False)
        core_services.workday_override_update(actor=world.admin, override=override, values={"name": "元旦"})
        core_services.workday_override_void(actor=world.admin, override=override, reason="试录")
    written = {row.service: row for row in rows}
    assert set(services_of(core_services)) <= set(written)
    assert written["taizhang.core.services.instruction_add"].user_id == leader.pk
    assert written["taizhang.core.services.instruction_reply"].user_id == reporter.pk
    assert {row.source for row in rows} == {Source.API}


def test_each_notifications_service_leaves_a_history_row_with_user_and_source(world):
    """The group robots' configuration is audited (notifying itself writes messages, not ledger data)."""
    from taizhang.notifications import services as notification_services
    from taizhang.notifications.models import Robot

    supervisor = world.users["supervisor"]
    with history_probe() as rows, audit_context(supervisor, Source.WEB):
        robot = notification_services.robot_create(
            actor=supervisor,
            unit=world.unit_a,
            kind="wecom",
            name="甲街道群",
            url="http://127.0.0.1:9/cgi-bin/webhook/send?key=K",
        )
        notification_services.robot_update(actor=supervisor, robot=robot, values={"name": "甲街道工作群"})
        notification_services.robot_void(actor=supervisor, robot=robot, reason="群已解散")
    written = {row.service for row in rows}
    missing = set(services_of(notification_services)) - written
    assert not missing, f"services that wrote no history: {missing}"
    assert {(row.model, row.user_id, row.source) for row in rows} == {("notifications.Robot", supervisor.pk, "web")}
    assert Robot.objects.get(pk=robot.pk).history.filter(history_change_reason="群已解散").exists()
