"""Every org service: what it guarantees, what it refuses, and that it leaves history."""

import pytest

from taizhang.core.audit import AuditContextMissing, Source, audit_context
from taizhang.core.errors import Conflict, PermissionDenied, ValidationFailed
from taizhang.core.roles import Role
from taizhang.org import routing, services
from taizhang.org.models import Area, Membership, Person, Unit, User
from taizhang.org.tests.world import SQUARE, make_area

pytestmark = pytest.mark.usefixtures("audit")


def unit(world, key):
    return Unit.objects.get(pk=world.units[key].pk)


# --- units ----------------------------------------------------------------------------------------------


def test_unit_create_places_the_unit_in_the_tree(world):
    child = services.unit_create(actor=world.admin, code="UA2", name="甲二社区", kind="other", parent=world.unit_a)
    assert child.path == f"{world.unit_a.path}{child.pk}/"
    assert "jiaershequ" in child.search_text and "jesq" in child.search_text


def test_unit_create_refuses_duplicates_and_bad_division_codes_naming_the_field(world):
    with pytest.raises(ValidationFailed) as exc:
        services.unit_create(
            actor=world.admin, code="UA", name="甲街道", kind="subdistrict", division_code="41010312345X"
        )
    assert set(exc.value.fields) >= {"code", "name", "division_code"}
    assert Unit.objects.filter(code="UA").count() == 1


def test_a_division_code_cannot_be_used_twice(world):
    with pytest.raises(ValidationFailed, match="division code"):
        services.unit_create(
            actor=world.admin, code="UC", name="丙街道", kind="subdistrict", division_code="410102001000"
        )


def test_unit_update_moves_the_whole_subtree(world):
    a1 = unit(world, "A1")
    grandchild = services.unit_create(actor=world.admin, code="UA11", name="甲一一网格站", kind="other", parent=a1)
    services.unit_update(actor=world.admin, unit=a1, values={"parent": world.unit_b})
    a1.refresh_from_db()
    grandchild.refresh_from_db()
    assert a1.path == f"{world.unit_b.path}{a1.pk}/"
    assert grandchild.path == f"{a1.path}{grandchild.pk}/"
    assert a1.history.first().history_change_reason is None


def test_unit_update_refuses_a_cycle(world):
    a = unit(world, "A")
    with pytest.raises(ValidationFailed, match="cycle") as exc:
        services.unit_update(actor=world.admin, unit=a, values={"parent": world.units["A1"]})
    assert "parent" in exc.value.fields
    a.refresh_from_db()
    assert a.parent is None


def test_unit_update_refuses_being_its_own_parent(world):
    a = unit(world, "A")
    with pytest.raises(ValidationFailed, match="own parent"):
        services.unit_update(actor=world.admin, unit=a, values={"parent": a})


def test_unit_update_with_a_stale_version_is_a_conflict_and_changes_nothing(world):
    a = unit(world, "A")
    stale = a.version
    services.unit_update(actor=world.admin, unit=a, values={"short_name": "甲"}, expected_version=stale)
    again = unit(world, "A")
    with pytest.raises(Conflict):
        services.unit_update(actor=world.admin, unit=again, values={"short_name": "甲甲"}, expected_version=stale)
    assert unit(world, "A").short_name == "甲"


def test_an_update_that_changes_nothing_writes_nothing(world):
    a = unit(world, "A")
    rows = a.history.count()
    services.unit_update(actor=world.admin, unit=a, values={"name": a.name})
    assert a.history.count() == rows
    assert unit(world, "A").version == a.version


def test_unknown_fields_are_a_programming_error(world):
    with pytest.raises(TypeError, match="unknown fields: colour"):
        services.unit_update(actor=world.admin, unit=unit(world, "A"), values={"colour": "red"})


def test_unit_void_needs_a_reason_and_an_empty_unit(world):
    with pytest.raises(ValidationFailed, match="sub-units"):
        services.unit_void(actor=world.admin, unit=unit(world, "A"), reason="merged")
    lone = services.unit_create(actor=world.admin, code="TMP", name="临时单位", kind="other")
    with pytest.raises(ValidationFailed) as exc:
        services.unit_void(actor=world.admin, unit=lone, reason="  ")
    assert "reason" in exc.value.fields
    services.unit_void(actor=world.admin, unit=lone, reason="entered by mistake")
    lone.refresh_from_db()
    assert lone.is_void and lone.void_reason == "entered by mistake" and lone.voided_by == world.admin
    with pytest.raises(ValidationFailed, match="already voided"):
        services.unit_void(actor=world.admin, unit=lone, reason="again")


def test_unit_void_lists_every_blocker(world):
    b = unit(world, "B")
    services.membership_create(actor=world.admin, user=world.users["outsider"], unit=b, role=Role.INSPECTOR)
    make_area(world, b, "Z")
    with pytest.raises(ValidationFailed) as exc:
        services.unit_void(actor=world.admin, unit=b, reason="x")
    for why in ("people", "memberships", "areas"):
        assert why in exc.value.message


def test_only_district_writers_change_units(world):
    with pytest.raises(PermissionDenied):
        services.unit_create(actor=world.users["reporter_a"], code="X", name="X", kind="other")
    with pytest.raises(PermissionDenied):
        services.unit_update(actor=world.users["leader"], unit=unit(world, "A"), values={"short_name": "x"})
    services.unit_update(actor=world.users["supervisor"], unit=unit(world, "A"), values={"short_name": "甲"})


# --- people ---------------------------------------------------------------------------------------------


def test_a_unit_head_manages_people_of_its_own_units_only(world):
    head = services.user_create(actor=world.admin, username="head_a", password="a-Long-pass-2026")
    services.membership_create(actor=world.admin, user=head, unit=world.unit_a, role=Role.UNIT_HEAD)
    person = services.person_create(actor=head, name="新同事", unit=world.units["A1"], phone="13912345678")
    assert person.unit == world.units["A1"]
    with pytest.raises(PermissionDenied):
        services.person_create(actor=head, name="越界", unit=world.unit_b)
    with pytest.raises(PermissionDenied):
        services.person_update(actor=head, person=person, values={"unit": world.unit_b})
    person.refresh_from_db()
    assert person.unit == world.units["A1"]


def test_reporters_do_not_manage_people(world):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=world.users["reporter_a"], name="x", unit=world.unit_a)


def test_person_create_validates_the_phone(world):
    with pytest.raises(ValidationFailed) as exc:
        services.person_create(actor=world.admin, name="张三", unit=world.unit_a, phone="12345")
    assert "phone" in exc.value.fields


def test_person_void_refuses_a_chief_until_replaced(world):
    area = make_area(world, world.unit_a, "Q")
    chief = area.chief
    with pytest.raises(ValidationFailed, match="chief"):
        services.person_void(actor=world.admin, person=chief, reason="left")
    other = services.person_create(actor=world.admin, name="接任", unit=world.unit_a)
    services.area_update(actor=world.admin, area=area, values={"chief": other})
    services.person_void(actor=world.admin, person=Person.objects.get(pk=chief.pk), reason="left")
    assert Person.objects.get(pk=chief.pk).is_void


# --- users and memberships ------------------------------------------------------------------------------


def test_user_create_applies_the_password_validators(world):
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=world.admin, username="weak", password="12345678")
    assert "password" in exc.value.fields
    assert not User.objects.filter(username="weak").exists()
    with pytest.raises(PermissionDenied):
        services.user_create(actor=world.users["supervisor"], username="x", password="a-Long-pass-2026")


def test_user_set_password_for_oneself_or_by_an_admin(world):
    me = world.users["reporter_a"]
    services.user_set_password(actor=me, user=me, password="Another-long-2026")
    assert User.objects.get(pk=me.pk).check_password("Another-long-2026")
    with pytest.raises(PermissionDenied):
        services.user_set_password(actor=me, user=world.users["reporter_b"], password="Another-long-2026")
    with pytest.raises(ValidationFailed):
        services.user_set_password(actor=world.admin, user=me, password="password")


def test_membership_refuses_an_inactive_unit_and_duplicates(world):
    closed = services.unit_create(actor=world.admin, code="OLD", name="撤销单位", kind="other", is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        services.membership_create(actor=world.admin, user=world.users["outsider"], unit=closed, role=Role.REPORTER)
    assert "inactive" in exc.value.fields["unit"][0]
    with pytest.raises(ValidationFailed, match="already holds"):
        services.membership_create(
            actor=world.admin, user=world.users["reporter_a"], unit=world.unit_a, role=Role.REPORTER
        )
    assert not Membership.objects.filter(unit=closed).exists()


def test_membership_changes_take_effect_on_scope(world):
    outsider = world.users["outsider"]
    m = services.membership_create(actor=world.admin, user=outsider, unit=world.unit_b, role=Role.REPORTER)
    services.membership_update(actor=world.admin, membership=m, values={"role": Role.UNIT_HEAD})
    services.membership_void(actor=world.admin, membership=m, reason="moved")
    assert Membership.objects.get(pk=m.pk).is_void
    with pytest.raises(PermissionDenied):
        services.membership_create(
            actor=world.users["supervisor"], user=outsider, unit=world.unit_b, role=Role.REPORTER
        )


# --- areas ----------------------------------------------------------------------------------------------


def test_area_services_keep_the_routing_index_current(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        area = make_area(world, world.unit_a, "R")
    assert routing.route_point(113.605, 34.705).unit_id == world.unit_a.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.area_update(actor=world.admin, area=area, values={"responsible_unit": world.unit_b})
    assert routing.route_point(113.605, 34.705).unit_id == world.unit_b.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.area_void(actor=world.admin, area=Area.objects.get(pk=area.pk), reason="redrawn")
    assert routing.route_point(113.605, 34.705).fallback


def test_area_create_refuses_a_line_for_a_grid_and_a_polygon_for_a_road(world):
    with pytest.raises(ValidationFailed) as exc:
        services.area_create(
            actor=world.admin,
            code="G1",
            name="g",
            kind="grid",
            responsible_unit=world.unit_a,
            geometry={"type": "LineString", "coordinates": [[113.6, 34.7], [113.7, 34.7]]},
        )
    assert "geometry" in exc.value.fields
    with pytest.raises(ValidationFailed):
        services.area_create(
            actor=world.admin, code="R1", name="r", kind="road", responsible_unit=world.unit_a, geometry=SQUARE
        )
    assert not Area.objects.exists()


# --- the service contract -------------------------------------------------------------------------------


def test_a_service_refuses_to_run_outside_an_audit_context(world):
    with audit_context(None, Source.SYSTEM):
        pass
    from taizhang.core import audit

    token = audit._current.set(None)
    try:
        with pytest.raises(AuditContextMissing):
            services.unit_create(actor=world.admin, code="X", name="X", kind="other")
    finally:
        audit._current.reset(token)


def test_services_take_keywords_only_and_need_an_actor(world):
    with pytest.raises(TypeError, match="keyword"):
        services.unit_void(world.admin)
    with pytest.raises(TypeError, match="actor"):
        services.unit_void(unit=world.unit_a, reason="x")


def test_an_area_update_that_changes_nothing_leaves_the_index_alone(world, django_capture_on_commit_callbacks):
    area = make_area(world, world.unit_a, "U")
    with django_capture_on_commit_callbacks() as callbacks:
        services.area_update(actor=world.admin, area=area, values={"name": area.name})
    assert callbacks == []
    assert area.history.count() == 1
