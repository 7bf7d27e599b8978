"""Org pages: lists (filters, pinyin search, sorting, totals, chosen columns), detail, history, forms, void."""

import gzip
import json

import pytest

from taizhang.org.models import Person, Unit
from taizhang.org.tests.world import SQUARE, make_area


def text(response):
    return response.content.decode()


def table(response):
    """The list's table only (filter dropdowns above it name units too)."""
    page = text(response)
    start = page.index('data-testid="ledger-table"')
    return page[start : page.index("</table>", start)]


def test_the_unit_list_shows_only_the_units_in_scope(as_reporter_a, as_supervisor, world):
    mine = table(as_reporter_a.get("/org/units/"))
    assert "甲街道" in mine and "甲一社区" in mine and "乙街道" not in mine
    assert "乙街道" not in text(as_reporter_a.get("/org/units/"))  # nor in the filter choices
    everything = table(as_supervisor.get("/org/units/"))
    assert "乙街道" in everything and "督查室" in everything


@pytest.mark.parametrize("query", ["乙街道", "yijiedao", "yjd", "YJD", "UB"])
def test_search_finds_by_name_pinyin_initials_and_code(as_supervisor, world, query):
    page = table(as_supervisor.get("/org/units/", {"q": query}))
    assert "乙街道" in page and "甲街道" not in page


def test_filters_and_sorting(as_supervisor, world):
    page = table(as_supervisor.get("/org/units/", {"kind": "subdistrict", "sort": "-code"}))
    assert page.index("乙街道") < page.index("甲街道")
    assert "督查室" not in page
    page = table(as_supervisor.get("/org/units/", {"kind": "subdistrict", "sort": "code"}))
    assert page.index("甲街道") < page.index("乙街道")


def test_an_unknown_sort_key_is_ignored(as_supervisor, world):
    assert as_supervisor.get("/org/units/", {"sort": "password"}).status_code == 200


def test_the_totals_row_respects_the_filters(as_supervisor, world):
    page = text(as_supervisor.get("/org/units/", {"kind": "subdistrict"}))
    assert 'data-testid="totals-row"' in page
    totals = page[page.index('data-testid="totals-row"') :]
    assert ">2<" in totals.replace(" ", "")  # the people of 甲街道 and 乙街道, not those of 甲一社区 (other kind)


def test_htmx_requests_get_only_the_table(as_supervisor, world):
    response = as_supervisor.get("/org/units/", HTTP_HX_REQUEST="true")
    assert "<html" not in text(response)
    assert 'data-testid="ledger-table"' in text(response)


def test_chosen_columns_are_remembered_per_user(as_supervisor, as_leader, world):
    as_supervisor.post("/org/units/", {"columns": ["code", "short_name"]})
    mine = text(as_supervisor.get("/org/units/"))
    assert ">Short name<" in mine or ">简称<" in mine or "short name" in mine.lower()
    assert "division code" not in mine.lower().split("<tbody")[0]
    theirs = text(as_leader.get("/org/units/"))
    assert "division code" in theirs.lower().split("<tbody")[0]
    as_supervisor.post("/org/units/", {})  # an empty choice restores the defaults
    assert "division code" in text(as_supervisor.get("/org/units/")).lower().split("<tbody")[0]


def test_pagination(as_supervisor, world, audit):
    from taizhang.org import services

    for i in range(55):
        services.person_create(actor=world.admin, name=f"人员{i:02d}", unit=world.unit_b)
    first = text(as_supervisor.get("/org/people/"))
    assert "page=2" in first
    second = text(as_supervisor.get("/org/people/", {"page": 2}))
    assert "page=1" in second
    assert as_supervisor.get("/org/people/", {"page": "999"}).status_code == 200


def test_the_detail_page_shows_fields_and_offers_only_permitted_actions(as_supervisor, as_reporter_a, world):
    page = text(as_supervisor.get(f"/org/units/{world.unit_a.pk}/"))
    assert "410102001000" in page and "/edit/" in page
    assert f"/org/units/{world.unit_a.pk}/void/" not in page  # voiding units is for admins
    page = text(as_reporter_a.get(f"/org/units/{world.unit_a.pk}/"))
    assert "/edit/" not in page


def test_a_visible_record_without_the_right_to_edit_is_403(as_reporter_a, world):
    assert as_reporter_a.get(f"/org/units/{world.unit_a.pk}/edit/").status_code == 403
    response = as_reporter_a.post(f"/org/units/{world.unit_a.pk}/edit/", {"name": "改名"})
    assert response.status_code == 403
    assert Unit.objects.get(pk=world.unit_a.pk).name == "甲街道"


def test_the_history_tab_shows_a_field_by_field_diff(as_supervisor, world):
    detail = as_supervisor.get(f"/org/units/{world.unit_a.pk}/edit/")
    version = detail.context["form"]["version"].value()
    form = {
        "code": "UA",
        "name": "甲街道",
        "short_name": "甲",
        "kind": "subdistrict",
        "division_code": "410102001000",
        "sort_order": "3",
        "is_active": "on",
        "version": version,
    }
    response = as_supervisor.post(f"/org/units/{world.unit_a.pk}/edit/", form)
    assert response.status_code == 302
    history = text(as_supervisor.get(f"/org/units/{world.unit_a.pk}/history/"))
    assert 'data-testid="history-entry"' in history
    assert "supervisor" in history
    assert ">甲<" in history and ">3<" in history  # the new short name and sort order


def test_the_edit_form_reports_errors_on_the_fields_and_saves_nothing(as_supervisor, world):
    form = {"code": "UB", "name": "甲街道", "kind": "subdistrict", "division_code": "123", "sort_order": "0"}
    response = as_supervisor.post(f"/org/units/{world.unit_a.pk}/edit/", form)
    assert response.status_code == 400
    page = text(response)
    for field in ("code", "division_code"):
        assert f'data-testid="field-error-{field}"' in page
    assert Unit.objects.get(pk=world.unit_a.pk).code == "UA"


def test_two_people_editing_the_same_unit_the_second_gets_a_conflict(as_supervisor, world):
    form = {
        "code": "UA",
        "name": "甲街道",
        "kind": "subdistrict",
        "division_code": "410102001000",
        "sort_order": "0",
        "is_active": "on",
        "version": str(world.unit_a.version),
    }
    assert as_supervisor.post(f"/org/units/{world.unit_a.pk}/edit/", {**form, "short_name": "一"}).status_code == 302
    response = as_supervisor.post(f"/org/units/{world.unit_a.pk}/edit/", {**form, "short_name": "二"})
    assert response.status_code == 409
    assert "changed by someone else" in text(response) or "其他人" in text(response)
    assert Unit.objects.get(pk=world.unit_a.pk).short_name == "一"


def test_create_a_person_through_the_form(as_supervisor, world):
    response = as_supervisor.get("/org/people/new/")
    assert response.status_code == 200
    response = as_supervisor.post(
        "/org/people/new/",
        {"name": "新人", "title": "科员", "unit": world.unit_b.pk, "phone": "13800001111", "sort_order": "0"},
    )
    person = Person.objects.get(name="新人")
    assert response["Location"] == f"/org/people/{person.pk}/"
    assert person.history.first().history_source == "web"
    assert person.history.first().history_user == world.users["supervisor"]


def test_a_form_only_offers_units_in_scope(world, audit, client):
    from taizhang.core.roles import Role
    from taizhang.org import services

    head = services.user_create(actor=world.admin, username="head_a", password="a-Long-pass-2026")
    services.membership_create(actor=world.admin, user=head, unit=world.unit_a, role=Role.UNIT_HEAD)
    client.force_login(head)
    page = text(client.get("/org/people/new/"))
    assert "甲街道" in page and "乙街道" not in page
    response = client.post("/org/people/new/", {"name": "越界", "unit": world.unit_b.pk, "sort_order": "0"})
    assert response.status_code == 400
    assert not Person.objects.filter(name="越界").exists()


def test_void_asks_for_a_reason_and_keeps_the_record(as_supervisor, world, audit):
    area = make_area(world, world.unit_a, "V")
    url = f"/org/areas/{area.pk}/void/"
    assert as_supervisor.get(url).status_code == 200
    assert as_supervisor.post(url, {"reason": ""}).status_code == 400
    assert as_supervisor.post(url, {"reason": "重复录入"}).status_code == 302
    area.refresh_from_db()
    assert area.is_void and area.void_reason == "重复录入"
    assert as_supervisor.get(f"/org/areas/{area.pk}/").status_code == 404  # voided records leave the ledger


def test_area_detail_and_geojson(as_reporter_a, world, audit):
    mine = make_area(world, world.unit_a, "M")
    make_area(world, world.unit_b, "N")
    page = text(as_reporter_a.get(f"/org/areas/{mine.pk}/"))
    assert 'id="area-feature"' in page
    data = as_reporter_a.get("/org/areas/map/geojson/").json()
    assert [f["properties"]["code"] for f in data["features"]] == [mine.code]
    assert as_reporter_a.get("/org/areas/map/geojson/", {"kind": "road"}).json()["features"] == []
    zipped = as_reporter_a.get("/org/areas/map/geojson/", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.content)) == data


def test_area_form_reports_bad_geojson(as_supervisor, world):
    form = {"code": "G9", "name": "九", "kind": "grid", "responsible_unit": world.unit_a.pk, "geometry": "{oops"}
    response = as_supervisor.post("/org/areas/new/", form)
    assert response.status_code == 400 and "not valid JSON" in text(response)
    bowtie = '{"type":"Polygon","coordinates":[[[113.6,34.7],[113.61,34.71],[113.61,34.7],[113.6,34.71],[113.6,34.7]]]}'
    response = as_supervisor.post("/org/areas/new/", {**form, "geometry": bowtie})
    assert response.status_code == 400 and "Self-intersection" in text(response)
    feature = '{"type":"Feature","geometry":' + str(SQUARE).replace("'", '"') + "}"
    response = as_supervisor.post("/org/areas/new/", {**form, "geometry": feature})
    assert response.status_code == 302


def test_pages_need_a_login(client, world):
    response = client.get("/org/units/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
