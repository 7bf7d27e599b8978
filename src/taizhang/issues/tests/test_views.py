"""The issue ledger's pages as its users meet them, with pinned query counts."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from taizhang.core import clock
from taizhang.issues import services, workflow
from taizhang.issues.choices import Status
from taizhang.issues.models import Evidence, Issue
from taizhang.issues.sample_photos import photo
from taizhang.issues.tests.conftest import at
from taizhang.issues.tests.world import grid_of, make_issue_in, point_in


def text(response):
    return response.content.decode()


def table(response):
    page = text(response)
    start = page.index('data-testid="ledger-table"')
    return page[start : page.index("</table>", start)]


def client_for(user):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def many(world, audit, monday):
    """Issues of unit A and B in several states."""
    a = [make_issue_in(world, world.unit_a, f"甲{i}") for i in range(3)]
    b = [make_issue_in(world, world.unit_b, f"乙{i}") for i in range(2)]
    services.issue_transition(actor=world.users["reporter_a"], issue=a[0], action="acknowledge")
    return a, b


def test_the_list_shows_only_issues_in_scope(as_reporter_a, as_supervisor, many):
    mine = table(as_reporter_a.get("/issues/"))
    assert "甲0问题" in mine and "乙0问题" not in mine
    everything = table(as_supervisor.get("/issues/"))
    assert "甲0问题" in everything and "乙1问题" in everything


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "acknowledged"}, {"甲0问题"}),
        ({"light": "green"}, {"甲0问题", "甲1问题", "甲2问题", "乙0问题", "乙1问题"}),
        ({"light": "red"}, set()),
        ({"q": "甲1"}, {"甲1问题"}),
        ({"registered_from": "2026-09-28", "registered_to": "2026-09-28"}, None),
        ({"due_from": "2026-10-01", "due_to": "2026-10-31"}, set()),
        ({"fallback": "true"}, set()),
    ],
)
def test_the_list_filters(as_supervisor, many, params, expected):
    with clock.travel(at(2026, 9, 28, 10)):
        page = table(as_supervisor.get("/issues/", params))
    titles = set(re.findall(r"[甲乙]\d问题", page))
    assert titles == (expected if expected is not None else {"甲0问题", "甲1问题", "甲2问题", "乙0问题", "乙1问题"})


def test_the_list_filters_by_unit_category_source_and_area(as_supervisor, world, many):
    page = table(as_supervisor.get("/issues/", {"unit": world.unit_b.pk}))
    assert "乙0问题" in page and "甲0问题" not in page
    page = table(as_supervisor.get("/issues/", {"category": world.data["categories"]["sr"].pk}))
    assert "甲0问题" in page  # the parent category includes its children
    page = table(as_supervisor.get("/issues/", {"source": world.data["sources"]["hotline"].pk}))
    assert "问题" not in page
    page = table(as_supervisor.get("/issues/", {"area": grid_of(world, world.unit_a).code}))
    assert "甲1问题" in page and "乙1问题" not in page
    page = table(as_supervisor.get("/issues/", {"area": "甲街道网"}))
    assert "甲1问题" in page and "乙1问题" not in page
    assert as_supervisor.get("/issues/", {"unit": "not-a-unit", "registered_from": "yesterday"}).status_code == 200


def test_the_unit_filter_renders_only_the_chosen_unit_and_loads_the_others_as_the_user_types(
    as_reporter_a, as_supervisor, world, many
):
    page = text(as_supervisor.get("/issues/", {"unit": world.unit_b.pk}))
    select = re.search(r'<select[^>]*name="unit"[^>]*>.*?</select>', page, re.S).group(0)
    assert 'data-options-url="/issues/units.json"' in select and "remote-select.js" in page
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["---------", world.unit_b.name]
    assert f'value="{world.unit_b.pk}" selected' in select
    plain = text(as_supervisor.get("/issues/", {"unit": "999999"}))  # a stale id shows no unit, nothing breaks
    assert plain.count("<option") >= 1 and "999999</option>" not in plain

    everything = as_supervisor.get("/issues/units.json").json()["options"]
    assert {world.unit_a.name, world.unit_b.name} <= {o["text"] for o in everything}
    typed = as_supervisor.get("/issues/units.json", {"q": world.unit_b.name}).json()["options"]
    assert typed[0] == {"value": str(world.unit_b.pk), "text": world.unit_b.name}
    pinyin = as_supervisor.get("/issues/units.json", {"q": "yijie"}).json()["options"]  # 乙街道 by its pinyin
    assert world.unit_b.name in {o["text"] for o in pinyin}
    mine = {o["text"] for o in as_reporter_a.get("/issues/units.json").json()["options"]}
    assert world.unit_a.name in mine and world.unit_b.name not in mine  # only units in the user's scope
    assert as_reporter_a.get("/issues/", {"unit": world.unit_b.pk}).status_code == 200  # refused, not shown


def test_the_list_needs_few_queries(as_supervisor, many, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        assert as_supervisor.get("/issues/").status_code == 200


def test_the_map_and_its_points_follow_the_filters_and_the_scope(as_reporter_a, as_supervisor, world, many):
    page = text(as_supervisor.get("/issues/map/", {"status": "acknowledged"}))
    assert "leaflet.markercluster.js" in page and "points/?status=acknowledged" in page
    points = as_supervisor.get("/issues/map/points/", {"status": "acknowledged"}).json()
    assert points["count"] == 1 and points["points"][0]["light"] == "green"
    assert as_reporter_a.get("/issues/map/points/").json()["count"] == 3


def test_the_detail_page_shows_photos_timeline_and_the_actions_of_this_user(
    world, audit, monday, django_assert_max_num_queries
):
    lon, lat = point_in(grid_of(world, world.unit_a))
    issue = services.issue_register(
        actor=world.admin,
        category=world.data["categories"]["dump"],
        source=world.data["sources"]["patrol"],
        title="带图",
        longitude=lon,
        latitude=lat,
        photos=[photo("p.jpg", taken_at=at(2026, 9, 28, 8), longitude=lon, latitude=lat)],
    )
    reporter = client_for(world.users["reporter_a"])
    with django_assert_max_num_queries(30):
        page = text(reporter.get(f"/issues/{issue.pk}/"))
    assert 'data-testid="before-photos"' in page and f"/issues/evidence/{issue.evidence.get().pk}/file/" in page
    assert 'data-action="register"' in page and 'data-action="dispatch"' in page
    assert 'data-testid="action-acknowledge"' in page and 'data-testid="action-verify_pass"' not in page
    assert "2026-09-30 17:30" in page
    office = text(client_for(world.users["supervisor"]).get(f"/issues/{issue.pk}/"))
    assert 'data-testid="action-reassign"' in office and 'data-testid="action-acknowledge"' not in office
    assert 'id="issue-point"' in office


def test_an_action_is_taken_from_the_page(world, issue_a):
    reporter = client_for(world.users["reporter_a"])
    response = reporter.post(f"/issues/{issue_a.pk}/act/acknowledge/", {"version": issue_a.version})
    assert response.status_code == 302 and response["Location"] == f"/issues/{issue_a.pk}/"
    assert Issue.objects.get(pk=issue_a.pk).status == Status.ACKNOWLEDGED
    stale = reporter.post(f"/issues/{issue_a.pk}/act/start/", {"version": issue_a.version})
    assert stale.status_code == 409 and "changed by someone else" in text(stale)
    form = reporter.get(f"/issues/{issue_a.pk}/act/request-extension/")
    assert form.status_code == 404  # actions are named with underscores
    form = reporter.get(f"/issues/{issue_a.pk}/act/request_extension/")
    assert form.status_code == 200 and 'name="deadline"' in text(form)
    missing = reporter.post(
        f"/issues/{issue_a.pk}/act/request_extension/", {"version": issue_a.version + 1, "deadline": "2026-10-20"}
    )
    assert missing.status_code == 400 and 'data-testid="field-error-reason"' in text(missing)
    past = reporter.post(
        f"/issues/{issue_a.pk}/act/request_extension/",
        {"version": issue_a.version + 1, "deadline": "2020-01-01", "reason": "延"},
    )
    assert past.status_code == 400 and "from today on" in text(past)


def test_a_disallowed_action_answers_409_with_what_is_allowed(world, issue_a):
    reporter = client_for(world.users["reporter_a"])
    response = reporter.get(f"/issues/{issue_a.pk}/act/verify_pass/")
    assert response.status_code == 409
    page = text(response)
    assert 'data-testid="action-error"' in page and "Acknowledge" in page
    response = reporter.post(f"/issues/{issue_a.pk}/act/verify_pass/", {"version": issue_a.version})
    assert response.status_code == 409 and "Allowed now for you" in text(response)
    assert reporter.post(f"/issues/{issue_a.pk}/act/teleport/", {"version": 1}).status_code == 404
    assert reporter.get(f"/issues/{issue_a.pk}/act/teleport/").status_code == 404


def test_other_units_issues_are_404_on_every_page(world, issue_b):
    reporter = client_for(world.users["reporter_a"])
    for url in (f"/issues/{issue_b.pk}/", f"/issues/{issue_b.pk}/history/", f"/issues/{issue_b.pk}/act/acknowledge/"):
        assert reporter.get(url).status_code == 404
    assert reporter.post(f"/issues/{issue_b.pk}/act/acknowledge/", {"version": 1}).status_code == 404
    assert reporter.post(f"/issues/{issue_b.pk}/evidence/", {"kind": "before"}).status_code == 404


def test_the_phone_report_page_registers_with_photos_and_location(world, audit, monday):
    inspector = client_for(world.users["reporter_a"])
    page = text(inspector.get("/issues/report/"))
    assert 'capture="environment"' in page and 'accept="image/*"' in page and 'id="locate"' in page
    assert "<optgroup" in page and "乱堆乱放" in page
    lon, lat = point_in(grid_of(world, world.unit_b))
    response = inspector.post(
        "/issues/report/",
        {
            "category": world.data["categories"]["dump"].pk,
            "description": "路边垃圾",
            "longitude": lon,
            "latitude": lat,
            "coordinate_system": "wgs84",
            "source": world.data["sources"]["patrol"].pk,
            "photos": [photo("a.jpg", taken_at=at(2026, 9, 28, 8, 55), longitude=lon, latitude=lat)],
        },
    )
    issue = Issue.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/issues/{issue.pk}/"
    assert issue.responsible_unit == world.unit_b and issue.evidence.count() == 1
    assert issue.history.first().history_source == "web"
    followed = text(inspector.get(response["Location"]))  # the reporter follows what they registered
    assert "路边垃圾" in followed and "乙街道" in followed


def test_a_bad_report_is_refused_with_the_reason_and_stores_nothing(world, audit, monday):
    inspector = client_for(world.users["reporter_a"])
    base = {"category": world.data["categories"]["dump"].pk, "source": world.data["sources"]["patrol"].pk}
    response = inspector.post("/issues/report/", {**base, "coordinate_system": "wgs84"})
    assert response.status_code == 400 and 'data-testid="field-error-description"' in text(response)
    response = inspector.post(
        "/issues/report/",
        {**base, "description": "x", "coordinate_system": "wgs84", "photos": [SimpleUploadedFile("a.jpg", b"text")]},
    )
    assert response.status_code == 400 and "a.jpg is not an image" in text(response)
    response = inspector.post(
        "/issues/report/", {**base, "description": "x", "coordinate_system": "wgs84", "longitude": "113.6"}
    )
    assert response.status_code == 400 and "both longitude and latitude" in text(response)
    assert not Issue.objects.exists() and not Evidence.objects.exists()
    assert client_for(world.users["outsider"]).get("/issues/report/").status_code == 403


def test_the_office_form_overrides_the_routing(world, audit, monday):
    assert client_for(world.users["reporter_a"]).get("/issues/new/").status_code == 403
    office = client_for(world.users["supervisor"])
    page = text(office.get("/issues/new/"))
    assert 'name="override_reason"' in page and 'capture="environment"' not in page
    lon, lat = point_in(grid_of(world, world.unit_a))
    form = {
        "category": world.data["categories"]["dump"].pk,
        "title": "改派",
        "longitude": lon,
        "latitude": lat,
        "coordinate_system": "wgs84",
        "source": world.data["sources"]["patrol"].pk,
        "responsible_unit": world.unit_b.pk,
    }
    response = office.post("/issues/new/", form)
    assert response.status_code == 400 and 'data-testid="field-error-override_reason"' in text(response)
    response = office.post("/issues/new/", {**form, "override_reason": "乙牵头", "deadline": "2026-10-30"})
    assert response.status_code == 302
    assert Issue.objects.get().responsible_unit == world.unit_b


def test_the_office_edits_an_issue(world, issue_a):
    office = client_for(world.users["supervisor"])
    assert office.get(f"/issues/{issue_a.pk}/edit/").status_code == 200
    form = {
        "title": "新标题",
        "description": "",
        "category": world.data["categories"]["dump"].pk,
        "severity": "serious",
        "address": "",
        "version": issue_a.version,
        "cooperating_units": [world.unit_b.pk],
    }
    response = office.post(f"/issues/{issue_a.pk}/edit/", form)
    assert response.status_code == 302
    issue = Issue.objects.get(pk=issue_a.pk)
    assert (
        issue.title == "新标题"
        and issue.severity == "serious"
        and list(issue.cooperating_units.all()) == [world.unit_b]
    )
    assert client_for(world.users["reporter_a"]).get(f"/issues/{issue_a.pk}/edit/").status_code == 403


def test_evidence_is_uploaded_shown_and_withdrawn_on_the_page(world, issue_a):
    reporter = client_for(world.users["reporter_a"])
    lon, lat = issue_a.point
    response = reporter.post(
        f"/issues/{issue_a.pk}/evidence/",
        {"kind": "after", "file": photo("far.jpg", taken_at=at(2026, 9, 28, 8), longitude=lon + 0.01, latitude=lat)},
    )
    assert response.status_code == 302
    messages = text(reporter.get(f"/issues/{issue_a.pk}/"))
    assert "taken before the issue was registered" in messages and "m from the issue" in messages
    evidence = Evidence.objects.get()
    file_response = reporter.get(f"/issues/evidence/{evidence.pk}/file/")
    assert file_response.status_code == 200 and file_response["Content-Type"] == "image/jpeg"
    assert "inline" in file_response["Content-Disposition"]
    assert client_for(world.users["reporter_b"]).get(f"/issues/evidence/{evidence.pk}/file/").status_code == 404
    bad = reporter.post(
        f"/issues/{issue_a.pk}/evidence/", {"kind": "after", "file": SimpleUploadedFile("x.jpg", b"no")}
    )
    assert bad.status_code == 302
    assert "x.jpg is not an image" in text(reporter.get(f"/issues/{issue_a.pk}/"))
    empty = reporter.post(f"/issues/{issue_a.pk}/evidence/", {"kind": "after"})
    assert empty.status_code == 302
    response = reporter.post(f"/issues/evidence/{evidence.pk}/void/", {"reason": "传错"})
    assert response.status_code == 302 and Evidence.objects.get(pk=evidence.pk).is_void
    again = reporter.post(f"/issues/evidence/{evidence.pk}/void/", {"reason": "传错"})
    assert again.status_code == 404  # withdrawn evidence is gone from the issue


def test_a_missing_file_is_404_not_500(world, issue_a):
    evidence = services.evidence_add(actor=world.users["reporter_a"], issue=issue_a, kind="after", file=photo())
    evidence.file.storage.delete(evidence.file.name)
    assert client_for(world.users["reporter_a"]).get(f"/issues/evidence/{evidence.pk}/file/").status_code == 404


def test_withdrawing_evidence_without_a_reason_is_refused(world, issue_a):
    evidence = services.evidence_add(actor=world.users["reporter_a"], issue=issue_a, kind="after", file=photo())
    reporter = client_for(world.users["reporter_a"])
    reporter.post(f"/issues/evidence/{evidence.pk}/void/", {"reason": ""})
    assert not Evidence.objects.get(pk=evidence.pk).is_void
    assert "Give a reason" in text(reporter.get(f"/issues/{issue_a.pk}/"))


def test_the_work_queue_puts_overdue_first(world, audit, head_a):
    with clock.travel(at(2026, 9, 21, 9)):
        old = make_issue_in(world, world.unit_a, "旧")
    with clock.travel(at(2026, 9, 28, 9)):
        new = make_issue_in(world, world.units["A1"], "新", longitude=None, latitude=None, responsible_unit=None)
        services.issue_transition(
            actor=world.admin, issue=new, action="reassign", unit=world.units["A1"], reason="社区"
        )
        make_issue_in(world, world.unit_b, "别人")
        page = client_for(head_a).get("/issues/queue/")
    body = table(page)
    assert body.index("旧问题") < body.index("新问题") and "别人问题" not in body
    assert 'data-testid="queue-overdue">1<' in text(page).replace(" ", "")
    with clock.travel(at(2026, 9, 28, 9)):
        only = table(client_for(head_a).get("/issues/queue/", {"unit": world.units["A1"].pk}))
    assert "新问题" in only and "旧问题" not in only
    assert old.pk != new.pk
    lonely = text(client_for(world.users["supervisor"]).get("/issues/queue/"))
    assert "no work queue" in lonely


def test_inspectors_verify_district_wide_but_not_their_own_work(world, issue_b, inspectors):
    reporter_b = world.users["reporter_b"]
    issue = services.issue_transition(actor=reporter_b, issue=issue_b, action="acknowledge")
    issue = services.issue_transition(actor=reporter_b, issue=issue, action="start")
    services.evidence_add(actor=reporter_b, issue=issue, kind="after", file=photo())
    services.issue_transition(actor=reporter_b, issue=issue, action="request_closure", measures="好")
    inspector = client_for(inspectors[0])
    assert "乙问题" in table(inspector.get("/issues/verify/"))
    detail = text(inspector.get(f"/issues/{issue_b.pk}/"))
    assert 'data-testid="action-verify_pass"' in detail
    assert "乙问题" not in table(client_for(world.users["reporter_a"]).get("/issues/verify/"))
    response = inspector.post(
        f"/issues/{issue_b.pk}/act/verify_pass/", {"version": Issue.objects.get(pk=issue_b.pk).version}
    )
    assert response.status_code == 302
    assert "乙问题" in table(inspector.get("/issues/"))  # what they verified stays visible to them
    assert "乙问题" not in table(inspector.get("/issues/verify/"))


def test_statistics_by_unit_category_area_source_and_week(world, issue_a, issue_b, inspectors):
    reporter = world.users["reporter_a"]
    issue = services.issue_transition(actor=reporter, issue=issue_a, action="acknowledge")
    issue = services.issue_transition(actor=reporter, issue=issue, action="start")
    services.evidence_add(actor=reporter, issue=issue, kind="after", file=photo())
    issue = services.issue_transition(actor=reporter, issue=issue, action="request_closure", measures="好")
    issue = services.issue_transition(actor=inspectors[0], issue=issue, action="verify_fail", reason="不行")
    with clock.travel(at(2026, 10, 20, 9)):
        office = client_for(world.users["supervisor"])
        page = office.get("/issues/statistics/", {"start": "2026-09-01", "end": "2026-10-20", "by": "unit"})
    body = text(page)
    assert page.status_code == 200 and 'id="stats-data"' in body
    rows = re.findall(r'<tr data-testid="stats-row">\s*<td>(.*?)</td>(.*?)</tr>', body, re.S)
    figures = {name: dict(re.findall(r'data-field="(\w+)">([^<]*)<', cells)) for name, cells in rows}
    assert figures["甲街道"]["received"] == "1" and figures["甲街道"]["rework"] == "1"
    assert figures["甲街道"]["overdue_now"] == "1" and figures["甲街道"]["due"] == "1"
    assert figures["甲街道"]["rate"] == "0.0%" and figures["乙街道"]["overdue_now"] == "1"
    for by in ("category", "area", "source", "week"):
        with clock.travel(at(2026, 10, 20, 9)):
            assert (
                office.get("/issues/statistics/", {"start": "2026-09-01", "end": "2026-10-20", "by": by}).status_code
                == 200
            )
    mine = text(client_for(reporter).get("/issues/statistics/", {"start": "2026-09-01", "end": "2026-10-20"}))
    assert "甲街道" in mine and "乙街道" not in mine


def test_a_bad_statistics_period_is_explained(as_supervisor, world):
    response = as_supervisor.get("/issues/statistics/", {"start": "2026-10-01", "end": "2026-09-01"})
    assert response.status_code == 200 and "The start is after the end" in text(response)
    response = as_supervisor.get("/issues/statistics/", {"start": "2020-01-01", "end": "2026-09-01", "by": "sideways"})
    assert "at most three years" in text(response)


def test_the_home_card_counts_the_queue_and_lights(world, issue_a):
    page = text(client_for(world.users["reporter_a"]).get("/"))
    assert 'data-testid="card-issues"' in page and "/issues/queue/" in page
    assert "card-calendar" not in page


def test_the_history_page_lists_the_changes(world, issue_a):
    page = text(client_for(world.users["supervisor"]).get(f"/issues/{issue_a.pk}/history/"))
    assert 'data-testid="history-entry"' in page


def test_a_long_list_says_more_than_the_cap_without_counting_it_all(as_supervisor, many, monkeypatch):
    from taizhang.core.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 3)
    page = text(as_supervisor.get("/issues/"))
    assert "More than 3 records" in page


def test_the_pages_read_in_chinese_without_other_catalogues_words(world, issue_a):
    """Words that other catalogues translate otherwise (admin's 过滤器 and 今年, org's 职务 for a job title, admin's
    内容类型, ledgers' 说明文字) carry a context on the issue pages; lists read with 、 and messages with ；."""
    office = Client()  # no language cookie: the district's language
    office.force_login(world.users["supervisor"])
    pages = {
        "map": text(office.get("/issues/map/")),
        "list": text(office.get("/issues/")),
        "statistics": text(office.get("/issues/statistics/")),
        "detail": text(office.get(f"/issues/{issue_a.pk}/")),
        "refused": text(office.get(f"/issues/{issue_a.pk}/act/acknowledge/")),  # the unit's to acknowledge
    }
    assert ">筛选</button>" in pages["map"] and "过滤器" not in pages["map"]
    assert "聚合点显示其中最严重的灯色" in pages["map"] and "责任区域" in pages["map"]
    assert "标题" in table(office.get("/issues/")) and "职务" not in pages["list"]
    assert ">本年</a>" in pages["statistics"] and "今年" not in pages["statistics"]
    assert "修改记录" in pages["detail"] and ">备注</label>" in pages["detail"] and "说明文字" not in pages["detail"]
    with translation.override("zh-hans"):
        roles = workflow.BY_ACTION["acknowledge"].roles_label()
    assert "、" in roles and roles in pages["refused"]
    assert not re.search(r"[\u4e00-\u9fff], [\u4e00-\u9fff]", pages["refused"])  # no English commas between words
