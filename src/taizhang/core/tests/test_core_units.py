"""Unit tests of core building blocks: search text, scope, formatting, errors, images."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from taizhang.core import images
from taizhang.core.errors import ValidationFailed
from taizhang.core.roles import Role
from taizhang.core.scoping import Scope, scope_for
from taizhang.core.search import normalise_query, search_text_for
from taizhang.core.tables import Column, format_value, resolve


def test_search_text_holds_the_name_its_pinyin_and_initials():
    text = search_text_for(["区发改委", "FGW-01", ""])
    assert text.split() == ["区发改委", "qufagaiwei", "qfgw", "fgw01"]
    assert normalise_query(" Qu Fa-Gai ") == "qufagai"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="重庆长安银行行长乐二七区发改委ABc-1 淮河路街道", min_size=1, max_size=12))
def test_initials_are_pypinyins_first_letters(text):
    """search_text_for derives initials from one pinyin pass; they must be what FIRST_LETTER style gives."""
    from pypinyin import Style, lazy_pinyin

    words = search_text_for([text]).split()
    if len(words) == 3:  # the text has Han characters: normalised text, pinyin, initials
        expected = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()
        assert words[2] == expected


def _whole_text_search_text(values: list[str]) -> str:
    """search_text_for as it was before remembering pinyin per run: one lazy_pinyin pass over each whole text."""
    import re

    from pypinyin import lazy_pinyin

    parts: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        parts.append(normalise_query(text))
        if re.search(r"[\u3400-\u9fff]", text):
            syllables = lazy_pinyin(text, errors="ignore")
            parts += ["".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()]
    return " ".join(parts)


# Han characters pypinyin segments into words (长安, 银行, 行长, 重庆), heteronyms, 〇, a compatibility ideograph
# (豈), an extension-B character (𠀀), letters, digits, punctuation and full-width forms between them.
_MIXED = "重庆长安银行行长乐二七区发改委淮河路街道金水管网工程〇豈𠀀ABc-1 ，（）２０"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=_MIXED, max_size=16), max_size=3))
def test_search_text_per_han_run_equals_one_pass_over_the_whole_text(values):
    """Pinyin is remembered per run of Han characters; the text must be what a pass over the whole text gives."""
    assert search_text_for(values) == _whole_text_search_text(values)


def test_names_that_differ_by_their_numbers_share_the_pinyin_of_their_words():
    assert search_text_for(["金水管网工程000123"]).split()[1:] == ["jinshuiguanwanggongcheng", "jsgwgc"]
    assert search_text_for(["重庆2长安"]) == _whole_text_search_text(["重庆2长安"])


def test_scope_of_nobody_sees_nothing():
    assert scope_for(None).is_empty
    assert Scope(user_id=None).filter.__self__.is_empty


def test_scope_roles_reach_sub_units(world):
    scope = scope_for(world.users["reporter_a"])
    assert scope.can_read_unit(world.units["A1"].pk)
    assert not scope.can_read_unit(world.unit_b.pk)
    assert scope.has_role(Role.REPORTER, unit_id=world.units["A1"].pk)
    assert not scope.has_role(Role.REPORTER, unit_id=world.unit_b.pk)
    assert scope.roles_in(None) == frozenset()
    leader = scope_for(world.users["leader"])
    assert leader.district_read and not leader.district_write
    assert leader.has_role(Role.LEADER, unit_id=world.unit_b.pk)
    assert scope_for(world.users["outsider"]).is_empty


def test_an_inactive_user_has_no_scope(world):
    user = world.users["reporter_a"]
    user.is_active = False
    assert scope_for(user).is_empty


def test_the_scope_is_computed_once_per_request(world, django_assert_num_queries):
    user = world.users["reporter_b"]
    with django_assert_num_queries(2):
        scope_for(user)
        scope_for(user)


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (None, "text", "—"),
        ("", "text", "—"),
        (Decimal("1234567.891"), "money", "1,234,567.89"),
        (Decimal("0.757"), "percent", "75.7%"),
        (12345, "number", "12,345"),
        (True, "bool", "Yes"),
        (dt.date(2026, 10, 8), "date", "2026-10-08"),
    ],
)
def test_cells_are_formatted_by_kind(value, kind, shown):
    assert str(format_value(value, kind)) == shown


def test_a_light_cell_shows_its_colour_and_label():
    class Light:
        colour, label = "red", "红灯"

    assert "status-red" in format_value(Light(), "light") and "红灯" in format_value(Light(), "light")


def test_resolve_follows_paths_and_uses_choice_labels(world):
    assert resolve(world.units["A1"], "parent.name") == "甲街道"
    assert resolve(world.units["A1"], "kind") in ("Other", "其他")
    assert resolve(world.unit_a, "parent.name") is None
    assert Column("parent.name", "x").sort_expression == "parent__name"
    assert Column("x", "x", sort=None).sort_expression is None


def test_validation_failed_from_django_keeps_fields_and_non_field_errors():
    exc = ValidationFailed.from_django(ValidationError({"code": ["taken"], "__all__": ["clash"]}))
    assert exc.message == "clash" and exc.fields == {"code": ["taken"], "__all__": ["clash"]}
    plain = ValidationFailed.from_django(ValidationError("just wrong"))
    assert plain.message == "just wrong" and plain.fields == {}


def _jpeg(exif: Image.Exif | None = None, size=(64, 48)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG", exif=exif or Image.Exif())
    buffer.seek(0)
    buffer.name = "photo.jpg"
    return buffer


def test_a_photo_with_exif_time_and_gps():
    exif = Image.Exif()
    exif[0x0132] = "2026:10:08 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (34.0, 45.0, 0.0), 3: "E", 4: (113.0, 39.0, 36.0)})
    facts = images.inspect_image(_jpeg(exif))
    assert facts.format == "JPEG" and (facts.width, facts.height) == (64, 48)
    assert facts.taken_at.isoformat() == "2026-10-08T09:30:00+08:00"
    assert facts.has_gps and round(facts.latitude, 4) == 34.75 and round(facts.longitude, 4) == 113.66


def test_a_photo_without_exif_is_accepted_without_facts():
    facts = images.inspect_image(_jpeg())
    assert not facts.has_exif_time and not facts.has_gps


def test_not_an_image_too_large_or_wrong_format_are_refused_by_name():
    with pytest.raises(ValidationError, match="report.pdf is not an image"):
        images.inspect_image(io.BytesIO(b"%PDF-1.4 not a photo"), name="report.pdf")
    with pytest.raises(ValidationError, match="at most 15 MB"):
        images.inspect_image(_jpeg(), size=16 * 1024 * 1024)
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="GIF"):
        images.inspect_image(gif, name="a.gif")


def test_unit_of_an_object_follows_its_scope_path(world):
    from types import SimpleNamespace

    from taizhang.core.permissions import unit_id_of

    class Report(SimpleNamespace):
        scope_fields = ("project__responsible_unit",)

    class Loose(SimpleNamespace):
        scope_fields = ()

    project = SimpleNamespace(responsible_unit_id=7)
    assert unit_id_of(Report(project=project)) == 7
    assert unit_id_of(Report(project=None)) is None
    assert unit_id_of(Loose()) is None
    assert unit_id_of(world.unit_a) == world.unit_a.pk
    assert unit_id_of(world.people["A"]) == world.unit_a.pk


def test_role_predicates(world):
    from taizhang.core.permissions import has_unit_role, is_leader, is_supervisor

    assert is_supervisor(world.users["supervisor"]) and not is_supervisor(world.users["leader"])
    assert is_leader(world.users["leader"]) and not is_leader(world.users["reporter_a"])
    reporter = has_unit_role(Role.REPORTER)
    assert reporter(world.users["reporter_a"])  # holds the role somewhere
    assert not reporter(world.users["outsider"])
    assert reporter(world.users["reporter_a"], world.people["A"])
    assert not reporter(world.users["reporter_a"], world.people["B"])


def test_directory_selectors_name_every_unit_and_leader_to_signed_in_users(world, audit):
    from django.contrib.auth.models import AnonymousUser

    from taizhang.org import selectors, services

    services.person_create(actor=world.admin, name="区长", unit=world.units["GOV"], is_leader=True)
    assert selectors.unit_directory(world.users["reporter_a"]).count() == 5
    assert [p.name for p in selectors.leader_list(world.users["reporter_a"])] == ["区长"]
    assert not selectors.unit_directory(AnonymousUser()).exists()
    assert not selectors.leader_list(AnonymousUser()).exists()
