"""Registering, routing, evidence, reminders, corrections and configuration, through the services."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core import clock, geo
from taizhang.core.errors import Conflict, PermissionDenied, ValidationFailed
from taizhang.core.roles import Role
from taizhang.core.testing.audit_probe import history_probe, services_of
from taizhang.issues import selectors, services
from taizhang.issues.choices import Status
from taizhang.issues.filtersets import IssueFilterSet
from taizhang.issues.models import Evidence, Issue, IssueCounter
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import grid_of, make_issue_in, point_in
from taizhang.org import services as org_services


def register(world, actor=None, **values):
    defaults = {"category": world.data["categories"]["dump"], "source": world.data["sources"]["patrol"]}
    return services.issue_register(actor=actor or world.admin, **{**defaults, **values})


# --- registering ---------------------------------------------------------------------------------------


def test_numbers_run_on_without_gaps_and_restart_each_year(world, audit, monday):
    first = make_issue_in(world, world.unit_a, "一")
    second = make_issue_in(world, world.unit_b, "二")
    assert (first.number, second.number) == ("2026-000001", "2026-000002")
    with pytest.raises(ValidationFailed):  # a refused registration gives its number back
        register(world, title="坏照片", photos=[SimpleUploadedFile("x.jpg", b"not an image")])
    with clock.travel(at(2027, 1, 4)):
        assert make_issue_in(world, world.unit_a, "新年").number == "2027-000001"
    assert make_issue_in(world, world.unit_a, "三").number == "2026-000003"
    assert IssueCounter.objects.get(year=2026).last == 3


def test_a_point_is_routed_to_its_grid_and_its_chief(world, audit, monday):
    issue = make_issue_in(world, world.unit_a, "甲")
    grid = grid_of(world, world.unit_a)
    assert issue.area == grid and issue.responsible_unit == world.unit_a and issue.chief == grid.chief
    assert not issue.routing_fallback and grid.name in issue.routing_note
    assert issue.reported_by == world.admin and issue.severity == "general"


def test_the_routed_area_its_unit_and_chief_come_from_memory_until_an_area_changes_or_a_minute_passes(
    world, audit, monday, django_assert_num_queries, monkeypatch
):
    from taizhang.issues.routing import areas
    from taizhang.org import routing as org_routing

    grid = grid_of(world, world.unit_a)
    hit = org_routing.route_point(*point_in(grid)).hits[0]
    with django_assert_num_queries(2):  # the units, once; the chief, once
        area = areas.area_of(hit)
    assert (area.pk, area.name, area.responsible_unit, area.chief) == (grid.pk, grid.name, world.unit_a, grid.chief)
    with django_assert_num_queries(0):
        assert areas.area_of(hit).chief == grid.chief
    with django_assert_num_queries(1):
        assert area.geometry == grid.geometry  # the rest of the area loads when asked for
    org_routing.invalidate()  # an area changed somewhere
    with django_assert_num_queries(2):
        areas.area_of(hit)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 61)
    with django_assert_num_queries(2):
        areas.area_of(hit)
    newer = org_services.unit_create(actor=world.admin, code="NEW", name="新单位", kind="department")
    with django_assert_num_queries(1):  # a unit made after the units were read
        assert areas.unit(newer.pk) == newer
    assert areas.chief(None) is None


def test_a_number_taken_behind_the_counter_is_a_clear_error_and_nothing_is_kept(world, audit, monday):
    IssueCounter.objects.create(year=2026, last=6)
    taken = make_issue_in(world, world.unit_a, "七")
    Issue.objects.filter(pk=taken.pk).update(sequence=8, number="2026-000008")  # as if written around the counter
    with pytest.raises(ValidationFailed, match="clashes with another one"):
        make_issue_in(world, world.unit_a, "八")
    assert Issue.objects.count() == 1 and IssueCounter.objects.get(year=2026).last == 7  # nothing half-written


def test_a_gcj02_point_from_a_phone_map_is_converted_before_routing(world, audit, monday):
    grid = grid_of(world, world.unit_a)
    wgs = (113.6095, 34.7050)  # inside unit A's grid, 50 m from its east edge
    gcj = geo.wgs84_to_gcj02(*wgs)
    assert gcj[0] > 113.61  # unconverted, the point would fall outside the grid
    issue = register(world, title="高德坐标", longitude=gcj[0], latitude=gcj[1], coordinate_system="gcj02")
    assert issue.area == grid
    assert abs(float(issue.longitude) - wgs[0]) < 1e-6 and abs(float(issue.latitude) - wgs[1]) < 1e-6
    assert float(issue.reported_longitude) == round(gcj[0], 6) and issue.reported_crs == "gcj02"


def test_routing_rules_of_area_and_category_decide_the_unit(world, audit, monday):
    grid = grid_of(world, world.unit_a)
    categories = world.data["categories"]
    services.routing_rule_create(actor=world.admin, category=categories["sr"], unit=world.unit_b, note="市容归乙")
    issue = make_issue_in(world, world.unit_a, "规则")
    assert issue.responsible_unit == world.unit_b and issue.chief is None  # the parent category's rule applies
    assert issue.routed_unit == world.unit_b and "市容归乙" in issue.routing_note
    services.routing_rule_create(
        actor=world.admin, area=grid, category=categories["dump"], unit=world.units["A1"], note="本网格归社区"
    )
    assert make_issue_in(world, world.unit_a, "更具体").responsible_unit == world.units["A1"]
    area_only = services.routing_rule_create(actor=world.admin, area=grid, unit=world.unit_a, chief=grid.chief)
    other = make_issue_in(world, world.unit_a, "井盖", category=categories["manhole"])
    assert other.responsible_unit == world.unit_a and other.chief == grid.chief
    assert str(area_only).endswith("→ 甲街道")
    with pytest.raises(ValidationFailed):
        services.routing_rule_create(actor=world.admin, unit=world.unit_a)
    with pytest.raises(ValidationFailed) as wrong_chief:
        services.routing_rule_create(
            actor=world.admin, category=categories["manhole"], unit=world.unit_b, chief=grid.chief
        )
    assert "chief" in wrong_chief.value.fields


def test_a_point_outside_every_area_goes_to_the_default_unit_and_is_flagged(world, audit, monday, settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "SUP"}
    issue = register(world, title="荒地", longitude=100.0, latitude=30.0)
    assert issue.responsible_unit == world.units["SUP"] and issue.routing_fallback and issue.area is None
    # kept in the site's language whatever the caller's (the tests read English: see language.py)
    assert issue.routing_note == "该点不在任何责任区内，已由默认单位接收。"
    no_point = register(world, title="无定位")
    assert no_point.routing_fallback and no_point.routing_note == "未提供位置：已由默认单位接收。"
    settings.TAIZHANG = {**settings.TAIZHANG, "DEFAULT_ROUTING_UNIT": "NOPE"}
    with pytest.raises(ValidationFailed) as nowhere:
        register(world, title="无人接收", longitude=100.0, latitude=30.0)
    assert "no default unit" in nowhere.value.fields["responsible_unit"][0]


def test_the_office_may_override_the_routing_with_a_reason(world, audit, monday):
    lon, lat = point_in(grid_of(world, world.unit_a))
    office, reporter = world.users["supervisor"], world.users["reporter_a"]
    with pytest.raises(ValidationFailed) as no_reason:
        register(world, office, title="改给乙", longitude=lon, latitude=lat, responsible_unit=world.unit_b)
    assert "say why" in no_reason.value.fields["override_reason"][0]
    issue = register(
        world,
        office,
        title="改给乙",
        longitude=lon,
        latitude=lat,
        responsible_unit=world.unit_b,
        chief=world.people["B"],
        override_reason="乙街道牵头",
    )
    assert issue.responsible_unit == world.unit_b and issue.routed_unit == world.unit_a
    assert issue.override_reason == "乙街道牵头" and issue.chief == world.people["B"]
    with pytest.raises(PermissionDenied):
        register(world, reporter, title="越权", longitude=lon, latitude=lat, responsible_unit=world.unit_b)
    with pytest.raises(PermissionDenied):
        register(world, reporter, title="越权", longitude=lon, latitude=lat, chief=world.people["A"])
    with pytest.raises(PermissionDenied):
        register(world, reporter, title="越权", longitude=lon, latitude=lat, deadline=dt.date(2026, 10, 30))
    with pytest.raises(ValidationFailed) as wrong_chief:
        register(world, office, title="错人", longitude=lon, latitude=lat, chief=world.people["B"])
    assert "does not belong" in wrong_chief.value.fields["chief"][0]
    chosen = register(world, office, title="指定网格长", longitude=lon, latitude=lat, chief=world.people["A"])
    assert chosen.chief == world.people["A"] and chosen.responsible_unit == world.unit_a


def test_the_office_may_set_the_deadline_and_cooperating_units(world, audit, monday):
    lon, lat = point_in(grid_of(world, world.unit_a))
    issue = register(
        world,
        world.users["supervisor"],
        title="限期",
        longitude=lon,
        latitude=lat,
        deadline=dt.date(2026, 10, 30),
        cooperating_units=[world.unit_b, world.unit_a],
    )
    assert issue.deadline == at(2026, 10, 30, 17, 30) and issue.deadline_explicit
    assert list(issue.cooperating_units.all()) == [world.unit_b]
    exact = register(world, world.users["supervisor"], title="精确", deadline=at(2026, 9, 29, 12))
    assert exact.deadline == at(2026, 9, 29, 12)
    with pytest.raises(ValidationFailed) as past:
        register(world, world.users["supervisor"], title="过去", deadline=dt.date(2026, 9, 1))
    assert "after the registration" in past.value.fields["deadline"][0]


def test_bad_registrations_are_refused_field_by_field_and_store_nothing(world, audit, monday):
    dump = world.data["categories"]["dump"]
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="", description="", longitude="113.6", latitude=None)
    assert set(caught.value.fields) == {"title", "latitude"}
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="坐标", longitude="east", latitude="34")
    assert "numbers" in caught.value.fields["longitude"][0]
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="坐标", longitude=113.6, latitude=34.7, coordinate_system="bd09")
    assert "bd09" in caught.value.fields["coordinate_system"][0]
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="未来", found_at=at(2026, 10, 1))
    assert "found_at" in caught.value.fields
    services.category_update(actor=world.admin, category=dump, values={"is_active": False})
    services.source_update(actor=world.admin, source=world.data["sources"]["patrol"], values={"is_active": False})
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="停用")
    assert set(caught.value.fields) == {"category", "source"}
    assert not Issue.objects.exists() and not Evidence.objects.exists()
    with pytest.raises(PermissionDenied):
        register(world, world.users["outsider"], title="外人")


def test_a_title_comes_from_the_description_when_missing(world, audit, monday):
    issue = register(
        world,
        description="东门外垃圾堆放三天无人清理，影响通行，希望尽快处理，谢谢！附近居民反映多次，城管来过一次又回来了",
    )
    assert issue.title.endswith("…") and len(issue.title) == 41


def test_before_photos_are_read_for_time_and_place(world, audit, monday):
    lon, lat = point_in(grid_of(world, world.unit_a))
    issue = register(
        world,
        title="带照片",
        longitude=lon,
        latitude=lat,
        photos=[photo("a.jpg", taken_at=at(2026, 9, 28, 8, 50), longitude=lon, latitude=lat), photo("b.jpg")],
    )
    first, second = issue.evidence.order_by("pk")
    assert first.kind == "before" and first.taken_at == at(2026, 9, 28, 8, 50) and first.distance_m == 0
    assert not first.flags and second.no_exif and second.flags == ["no EXIF time or position"]
    with pytest.raises(ValidationFailed) as caught:
        register(world, title="坏", photos=[SimpleUploadedFile("notes.jpg", b"plain text")])
    assert "notes.jpg is not an image" in caught.value.fields["photos"][0]


# --- evidence ------------------------------------------------------------------------------------------


def test_after_photos_far_away_or_taken_before_registration_are_flagged(world, issue_a):
    reporter = world.users["reporter_a"]
    lon, lat = issue_a.point
    far = services.evidence_add(
        actor=reporter,
        issue=issue_a,
        kind="after",
        file=photo("far.jpg", taken_at=at(2026, 9, 28, 10), longitude=lon + 0.01, latitude=lat),
    )
    assert far.far_from_issue and far.distance_m > 900 and "m from the issue" in far.flags[0]
    early = services.evidence_add(
        actor=reporter,
        issue=issue_a,
        kind="after",
        file=photo("early.jpg", taken_at=at(2026, 9, 27, 10), longitude=lon, latitude=lat),
    )
    assert early.taken_before_registration and not early.far_from_issue
    assert early.flags == ["taken before the issue was registered"]
    event = issue_a.events.filter(action="evidence").last()
    assert event.data["flags"] == ["拍摄于问题登记之前"]  # the timeline keeps them in the site's language


def test_attachments_and_refused_files(world, issue_a):
    reporter = world.users["reporter_a"]
    pdf = services.evidence_add(
        actor=reporter,
        issue=issue_a,
        kind="attachment",
        file=SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report", content_type="application/pdf"),
        note="报告",
    )
    assert not pdf.is_photo and pdf.original_name == "整改报告.pdf" and str(pdf).endswith("整改报告.pdf")
    with pytest.raises(ValidationFailed) as caught:
        services.evidence_add(actor=reporter, issue=issue_a, kind="attachment", file=SimpleUploadedFile("x.exe", b"MZ"))
    assert "x.exe" in caught.value.fields["file"][0]
    big = SimpleUploadedFile("big.pdf", b"0")
    big.size = services.MAX_ATTACHMENT_BYTES + 1
    with pytest.raises(ValidationFailed) as caught:
        services.evidence_add(actor=reporter, issue=issue_a, kind="attachment", file=big)
    assert "at most 20 MB" in caught.value.fields["file"][0]
    huge = photo("huge.jpg")
    huge.size = 16 * 1024 * 1024
    with pytest.raises(ValidationFailed) as caught:
        services.evidence_add(actor=reporter, issue=issue_a, kind="after", file=huge)
    assert "huge.jpg is 16.0 MB" in caught.value.fields["file"][0]
    with pytest.raises(ValidationFailed) as caught:
        services.evidence_add(actor=reporter, issue=issue_a, kind="after", file=SimpleUploadedFile("p.png", b"??"))
    assert "p.png is not an image" in caught.value.fields["file"][0]
    with pytest.raises(ValidationFailed):
        services.evidence_add(actor=reporter, issue=issue_a, kind="selfie", file=photo())
    with pytest.raises(ValidationFailed):
        services.evidence_add(actor=reporter, issue=issue_a, kind="after", file=None)
    with pytest.raises(PermissionDenied):
        services.evidence_add(actor=world.users["reporter_b"], issue=issue_a, kind="after", file=photo())
    assert issue_a.evidence.count() == 1


def test_evidence_is_withdrawn_by_its_uploader_or_the_office_while_the_issue_is_open(world, issue_a, inspectors):
    reporter = world.users["reporter_a"]
    mine = services.evidence_add(actor=reporter, issue=issue_a, kind="after", file=photo())
    with pytest.raises(PermissionDenied):
        services.evidence_void(actor=world.users["reporter_b"], evidence=mine, reason="不是我的")
    services.evidence_void(actor=reporter, evidence=mine, reason="传错了")
    assert Evidence.objects.get(pk=mine.pk).is_void
    assert issue_a.events.filter(action="evidence_void").exists()
    other = services.evidence_add(actor=reporter, issue=issue_a, kind="after", file=photo())
    issue = services.issue_transition(actor=reporter, issue=issue_a, action="acknowledge")
    issue = services.issue_transition(actor=reporter, issue=issue, action="start")
    issue = services.issue_transition(actor=reporter, issue=issue, action="request_closure", measures="好了")
    services.issue_transition(actor=inspectors[0], issue=issue, action="verify_pass")
    other.refresh_from_db()
    with pytest.raises(ValidationFailed):
        services.evidence_void(actor=world.users["supervisor"], evidence=other, reason="晚了")
    with pytest.raises(ValidationFailed):
        services.evidence_add(actor=reporter, issue=Issue.objects.get(pk=issue_a.pk), kind="after", file=photo())


# --- corrections ---------------------------------------------------------------------------------------


def test_the_office_corrects_details_and_a_new_category_brings_its_time_limit(world, issue_a):
    office = world.users["supervisor"]
    manhole = world.data["categories"]["manhole"]
    issue = services.issue_update(
        actor=office, issue=issue_a, values={"title": "井盖缺失", "category": manhole}, expected_version=issue_a.version
    )
    assert issue.title == "井盖缺失" and issue.deadline == at(2026, 9, 28, 11, 0)  # 2 working hours from 09:00
    assert issue.events.filter(action="update").last().data == {
        "fields": ["title", "category", "deadline", "yellow_at"]
    }
    version = issue.version
    services.issue_update(actor=office, issue=issue, values={"cooperating_units": [world.unit_b]})
    assert issue.version == version + 1 and list(issue.cooperating_units.all()) == [world.unit_b]
    with pytest.raises(Conflict):
        services.issue_update(actor=office, issue=issue, values={"title": "旧"}, expected_version=version)
    with pytest.raises(TypeError):
        services.issue_update(actor=office, issue=issue, values={"status": "closed"})
    with pytest.raises(PermissionDenied):
        services.issue_update(actor=world.users["reporter_a"], issue=issue, values={"title": "改"})
    services.issue_update(actor=office, issue=issue, values={"title": "井盖缺失", "cooperating_units": [world.unit_b]})
    assert issue.events.filter(action="update").count() == 2  # nothing changed, nothing recorded
    services.issue_transition(actor=office, issue=issue, action="void", void_kind="invalid", reason="误报")
    with pytest.raises(ValidationFailed):
        services.issue_update(actor=office, issue=Issue.objects.get(pk=issue.pk), values={"title": "再改"})


def test_cooperating_units_see_the_issue_but_do_not_act(world, issue_a):
    from taizhang.issues import selectors

    services.issue_update(actor=world.users["supervisor"], issue=issue_a, values={"cooperating_units": [world.unit_b]})
    assert selectors.issue_get(world.users["reporter_b"], issue_a.pk) == issue_a
    from taizhang.issues import workflow

    assert workflow.allowed(issue_a, world.users["reporter_b"]) == []


# --- reminders -----------------------------------------------------------------------------------------


def test_reminders_flag_each_light_once_and_tell_the_unit(world, issue_a, django_capture_on_commit_callbacks):
    # Two workdays from Monday 09:00: due Wednesday 17:30; yellow one workday ahead, from Tuesday's close.
    assert issue_a.yellow_at == at(2026, 9, 29, 17, 30) and issue_a.deadline == at(2026, 9, 30, 17, 30)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issues_remind(actor=None, now=at(2026, 9, 29, 9)) == {"yellow": 0, "overdue": 0, "review": 0}
        assert services.issues_remind(actor=None, now=at(2026, 9, 30, 9)) == {"yellow": 1, "overdue": 0, "review": 0}
        assert services.issues_remind(actor=None, now=at(2026, 9, 30, 10)) == {"yellow": 0, "overdue": 0, "review": 0}
        assert services.issues_remind(actor=None, now=at(2026, 10, 8, 9)) == {"yellow": 0, "overdue": 1, "review": 0}
    issue = Issue.objects.get(pk=issue_a.pk)
    assert issue.yellow_notified_at == at(2026, 9, 30, 9) and issue.overdue_notified_at == at(2026, 10, 8, 9)
    assert issue.version == issue_a.version  # bookkeeping does not turn anyone's next action into a conflict
    assert [e.action for e in issue.events.filter(action__in=["yellow", "overdue"])] == ["yellow", "overdue"]
    notes = world.users["reporter_a"].notifications.order_by("pk")
    assert [n.title for n in notes if n.kind.startswith("issue.")][-2:] == [
        "1 个问题即将到期",
        "1 个问题已超期",
    ]
    assert issue.number in notes.last().body
    with clock.travel(at(2026, 10, 8, 9)):
        extended = services.issue_transition(
            actor=world.users["reporter_a"],
            issue=issue,
            action="request_extension",
            deadline=dt.date(2026, 10, 20),
            reason="延",
        )
        services.issue_transition(actor=world.users["supervisor"], issue=extended, action="grant_extension")
    assert Issue.objects.get(pk=issue.pk).overdue_notified_at is None  # a new deadline, new reminders


def test_a_long_list_of_reminders_is_shortened(world, audit, monday, django_capture_on_commit_callbacks):
    for i in range(22):
        make_issue_in(world, world.unit_a, f"批{i}")
    with django_capture_on_commit_callbacks(execute=True):
        services.issues_remind(actor=None, now=at(2026, 10, 9, 9))
    note = world.users["reporter_a"].notifications.get(kind="issue.overdue")
    assert note.title == "22 个问题已超期" and "……另有 2 个" in note.body


def test_a_shelved_issue_is_flagged_once_when_its_review_date_comes_and_the_office_is_told(
    world, issue_a, django_capture_on_commit_callbacks
):
    reporter, office = world.users["reporter_a"], world.users["supervisor"]
    issue = services.issue_transition(actor=reporter, issue=issue_a, action="acknowledge")
    issue = services.issue_transition(
        actor=reporter, issue=issue, action="request_shelve", review_date=dt.date(2026, 10, 12), reason="待拆迁"
    )
    issue = services.issue_transition(actor=office, issue=issue, action="approve_shelve")
    shelved_list = selectors.issue_list(office)
    due = IssueFilterSet({"review_due": "true"}, queryset=shelved_list, request=None).qs
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issues_remind(actor=None, now=at(2026, 10, 11, 23)) == {"yellow": 0, "overdue": 0, "review": 0}
        assert issue_a.pk not in {i.pk for i in due}
        assert "Shelved until" in selectors.issue_get(office, issue.pk).light.explanation
        with clock.travel(at(2026, 10, 12, 8)):
            assert services.issues_remind(actor=None) == {"yellow": 0, "overdue": 0, "review": 1}
            assert services.issues_remind(actor=None) == {"yellow": 0, "overdue": 0, "review": 0}  # once per shelving
            assert [i.pk for i in IssueFilterSet({"review_due": "true"}, queryset=shelved_list, request=None).qs] == [
                issue.pk
            ]
            assert issue.pk not in {
                i.pk for i in IssueFilterSet({"review_due": "false"}, queryset=shelved_list, request=None).qs
            }
            assert "review date has come" in selectors.issue_get(office, issue.pk).light.explanation
    flagged = Issue.objects.get(pk=issue.pk)
    assert flagged.review_notified_at == at(2026, 10, 12, 8) and flagged.version == issue.version
    event = flagged.events.get(action="review_due")
    assert event.data == {"review_date": "2026-10-12"} and event.label == "Shelving review date reached"
    note = office.notifications.get(kind="issue.review_due")
    assert note.title == "1 个挂账问题到期待复查" and flagged.number in note.body
    assert note.url.endswith("?review_due=true")
    assert not reporter.notifications.filter(kind="issue.review_due").exists()
    with clock.travel(at(2026, 10, 12, 9)):
        resumed = services.issue_transition(actor=office, issue=flagged, action="resume")
    assert resumed.review_notified_at is None and resumed.shelve_review_date is None


def test_a_long_list_of_reviews_is_shortened(world, audit, monday, django_capture_on_commit_callbacks):
    for i in range(21):
        Issue.objects.filter(pk=make_issue_in(world, world.unit_a, f"挂{i}").pk).update(
            status="shelved", shelve_review_date=dt.date(2026, 9, 28)
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.issues_remind(actor=None, now=at(2026, 9, 28, 10))["review"] == 21
    note = world.users["supervisor"].notifications.get(kind="issue.review_due")
    assert note.title == "21 个挂账问题到期待复查" and "……另有 1 个" in note.body


# --- configuration -------------------------------------------------------------------------------------


def test_configuration_is_kept_by_the_office(world, audit):
    office, reporter = world.users["supervisor"], world.users["reporter_a"]
    source = services.source_create(actor=office, code="tour", name="观摩")
    services.source_update(actor=office, source=source, values={"name": "观摩检查"})
    with pytest.raises(PermissionDenied):
        services.source_create(actor=reporter, code="x", name="x")
    with pytest.raises(TypeError):
        services.source_update(actor=office, source=source, values={"colour": "red"})
    services.source_void(actor=office, source=source, reason="重复")
    category = services.category_create(actor=office, code="new", name="新类", time_limit=3, yellow_lead=1)
    child = services.category_create(
        actor=office, code="new-a", name="子类", parent=category, time_limit=1, yellow_lead=0
    )
    assert str(child) == "新类 / 子类" and child.time_limit_label == "1 workdays"
    with pytest.raises(ValidationFailed) as lead:
        services.category_update(actor=office, category=child, values={"yellow_lead": 1})
    assert "yellow light" in lead.value.fields["yellow_lead"][0]
    with pytest.raises(ValidationFailed) as loop:
        services.category_update(actor=office, category=category, values={"parent": child})
    assert "below itself" in loop.value.fields["parent"][0]
    with pytest.raises(ValidationFailed):
        services.category_void(actor=office, category=category, reason="有子类")
    services.category_void(actor=office, category=child, reason="不用")
    services.category_void(actor=office, category=category, reason="不用")
    rule = services.routing_rule_create(actor=office, category=world.data["categories"]["dump"], unit=world.unit_b)
    services.routing_rule_update(actor=office, rule=rule, values={"note": "乙负责"})
    services.routing_rule_void(actor=office, rule=rule, reason="撤销")
    assert "any area" in str(rule)


def test_sources_and_categories_with_issues_are_deactivated_not_voided(world, issue_a):
    with pytest.raises(ValidationFailed):
        services.source_void(actor=world.admin, source=world.data["sources"]["patrol"], reason="x")
    with pytest.raises(ValidationFailed):
        services.category_void(actor=world.admin, category=world.data["categories"]["dump"], reason="x")


def test_open311_clients_get_a_key_shown_once(world, audit):
    hotline = org_services.user_create(actor=world.admin, username="hotline", password="walk-the-scope-2026")
    source = world.data["sources"]["hotline"]
    with pytest.raises(ValidationFailed) as no_role:
        services.open311_client_create(actor=world.admin, name="热线", user=hotline, source=source)
    assert "no role" in no_role.value.fields["user"][0]
    org_services.membership_create(actor=world.admin, user=hotline, unit=world.unit_a, role=Role.REPORTER)
    with pytest.raises(PermissionDenied):
        services.open311_client_create(actor=world.users["supervisor"], name="热线", user=hotline, source=source)
    client, key = services.open311_client_create(actor=world.admin, name="热线", user=hotline, source=source)
    assert (
        client.key_prefix == key[:8] and client.key_hash == services.hash_key(key) and key not in str(client.__dict__)
    )
    new = services.open311_client_new_key(actor=world.admin, client=client)
    assert new != key and client.key_hash == services.hash_key(new)
    services.open311_client_update(actor=world.admin, client=client, values={"coordinate_system": "gcj02"})
    services.open311_client_void(actor=world.admin, client=client, reason="停用")
    assert client.is_void and "key_hash" not in {f.name for f in client.history.model._meta.fields}


def test_a_row_of_plain_values_registers_like_the_form(world, audit, monday):
    lon, lat = point_in(grid_of(world, world.unit_a))
    issue = services.issue_register_from_values(
        actor=world.users["supervisor"],
        values={
            "title": "台账导入",
            "category": "乱堆乱放",
            "source": "patrol",
            "longitude": str(lon),
            "latitude": str(lat),
            "found_at": "2026-09-27 10:00",
            "deadline": "2026-10-09",
            "responsible_unit": "UB",
            "override_reason": "导入指定",
        },
    )
    assert issue.category.code == "sr-dump" and issue.responsible_unit == world.unit_b
    assert issue.deadline == at(2026, 10, 9, 17, 30) and issue.found_at == at(2026, 9, 27, 10)
    with pytest.raises(ValidationFailed) as caught:
        services.issue_register_from_values(
            actor=world.users["supervisor"],
            values={"category": "不存在", "source": "nowhere", "responsible_unit": "火星", "longitude": "abc"},
        )
    assert set(caught.value.fields) == {"category", "source", "responsible_unit", "longitude"}
    assert "不存在" in caught.value.fields["category"][0]


def test_every_service_leaves_a_history_row_with_user_and_source(world, audit, inspectors, monday):
    """Each audited service of the app, called once, writes history attributed to its actor and the source."""
    from taizhang.core.audit import Source, audit_context

    office, reporter = world.users["supervisor"], world.users["reporter_a"]
    with history_probe() as rows, audit_context(office, Source.API):
        issue = make_issue_in(world, world.unit_a, "审计", actor=office)
        services.issue_update(actor=office, issue=issue, values={"title": "审计2"})
        evidence = services.evidence_add(actor=reporter, issue=issue, kind="after", file=photo())
        services.evidence_void(actor=reporter, evidence=evidence, reason="错")
        services.issue_transition(actor=reporter, issue=issue, action="acknowledge")
        services.issues_remind(actor=None, now=at(2026, 10, 20))
        source = services.source_create(actor=office, code="s", name="s")
        services.source_update(actor=office, source=source, values={"name": "s2"})
        services.source_void(actor=office, source=source, reason="r")
        category = services.category_create(actor=office, code="c", name="c", time_limit=2, yellow_lead=1)
        services.category_update(actor=office, category=category, values={"name": "c2"})
        services.category_void(actor=office, category=category, reason="r")
        rule = services.routing_rule_create(actor=office, category=world.data["categories"]["sr"], unit=world.unit_a)
        services.routing_rule_update(actor=office, rule=rule, values={"note": "n"})
        services.routing_rule_void(actor=office, rule=rule, reason="r")
        client, _key = services.open311_client_create(
            actor=world.admin, name="c", user=reporter, source=world.data["sources"]["hotline"]
        )
        services.open311_client_update(actor=world.admin, client=client, values={"name": "c2"})
        services.open311_client_new_key(actor=world.admin, client=client)
        services.open311_client_void(actor=world.admin, client=client, reason="r")
        lon, lat = point_in(grid_of(world, world.unit_a))
        services.issue_register_from_values(
            actor=office,
            values={"title": "t", "category": "sr-dump", "source": "patrol", "longitude": lon, "latitude": lat},
        )
    written = {row.service for row in rows}
    # issue_register_from_values parses and delegates: its history row is issue_register's.
    delegating = {"taizhang.issues.services.issue_register_from_values"}
    assert set(services_of(services)) - delegating <= written
    assert {row.source for row in rows} == {Source.API}
    by_service = {row.service: row.user_id for row in rows}
    assert by_service["taizhang.issues.services.evidence_add"] == reporter.pk
    assert by_service["taizhang.issues.services.issue_register"] == office.pk
    assert Issue.objects.filter(status=Status.ACKNOWLEDGED).count() == 1
