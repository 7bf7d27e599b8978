"""Leaders instruct (批示) on any record with a detail page; the responsible unit reads and replies."""

import pytest
from rest_framework.test import APIClient

from taizhang.core import services
from taizhang.core.errors import PermissionDenied, ValidationFailed
from taizhang.core.models import Instruction


def page(client, url):
    return client.get(url).content.decode()


def test_a_leader_instructs_and_the_unit_replies_on_the_record_page(as_leader, as_reporter_a, as_reporter_b, world):
    person = world.people["A1"]
    url = f"/org/people/{person.pk}/"
    assert as_leader.post(url, {"text": "请于本周内补齐网格员信息。"}).status_code == 302
    instruction = Instruction.objects.get()
    assert instruction.unit == world.units["A1"]
    assert instruction.history.get().history_source == "web"
    mine = page(as_reporter_a, url)
    assert "请于本周内补齐网格员信息。" in mine
    assert as_reporter_a.post(url, {"text": "已补齐 12 名。", "in_reply_to": instruction.pk}).status_code == 302
    reply = Instruction.objects.get(kind="reply")
    assert reply.in_reply_to == instruction
    assert "已补齐 12 名。" in page(as_leader, url)
    assert as_reporter_b.get(url).status_code == 404
    assert as_reporter_b.post(url, {"text": "x", "in_reply_to": instruction.pk}).status_code == 404


def test_only_leaders_supervisors_and_admins_instruct(as_reporter_a, world):
    response = as_reporter_a.post(f"/org/people/{world.people['A'].pk}/", {"text": "我来批示"})
    assert response.status_code == 403
    assert not Instruction.objects.exists()


def test_an_empty_instruction_is_refused_with_a_message(as_supervisor, world):
    url = f"/org/units/{world.unit_b.pk}/"
    response = as_supervisor.post(url, {"text": "  "}, follow=True)
    assert "This field cannot be blank." in response.content.decode()
    assert not Instruction.objects.exists()


def test_replies_answer_instructions_only(world, audit):
    instruction = services.instruction_add(actor=world.users["leader"], target=world.unit_a, text="抓落实")
    reply = services.instruction_reply(actor=world.users["reporter_a"], instruction=instruction, text="已落实")
    with pytest.raises(ValidationFailed, match="not another reply"):
        services.instruction_reply(actor=world.users["reporter_a"], instruction=reply, text="再回复")
    with pytest.raises(PermissionDenied):
        services.instruction_reply(actor=world.users["reporter_b"], instruction=instruction, text="越界")
    with pytest.raises(PermissionDenied):
        services.instruction_add(actor=world.users["reporter_a"], target=world.unit_a, text="越权")


def test_the_instruction_list_and_home_card_are_scoped(as_reporter_a, as_reporter_b, world, audit):
    services.instruction_add(actor=world.users["leader"], target=world.unit_a, text="甲街道：加快进度")
    services.instruction_add(actor=world.users["leader"], target=world.unit_b, text="乙街道：注意安全")
    mine = page(as_reporter_a, "/instructions/")
    assert "甲街道：加快进度" in mine
    assert "乙街道：注意安全" not in mine
    home = page(as_reporter_b, "/")
    assert 'data-testid="card-instructions"' in home
    assert "乙街道：注意安全" in home
    assert "甲街道：加快进度" not in home


def test_instructions_through_the_api(world):
    leader = APIClient()
    leader.force_authenticate(world.users["leader"])
    created = leader.post(
        "/api/instructions/", {"target": "org.unit", "target_id": world.unit_a.pk, "text": "接口批示"}
    )
    assert created.status_code == 201, created.content
    assert created.json()["target"] == "org.unit"
    reporter = APIClient()
    reporter.force_authenticate(world.users["reporter_a"])
    reply = reporter.post(f"/api/instructions/{created.json()['id']}/reply/", {"text": "收到"})
    assert reply.status_code == 201
    assert reporter.get("/api/instructions/").json()["count"] == 2
    other = APIClient()
    other.force_authenticate(world.users["reporter_b"])
    assert other.get("/api/instructions/").json()["count"] == 0
    assert other.post(f"/api/instructions/{created.json()['id']}/reply/", {"text": "x"}).status_code == 404
    hidden = APIClient()
    hidden.force_authenticate(world.users["reporter_b"])
    assert (
        hidden.post(
            "/api/instructions/", {"target": "org.unit", "target_id": world.unit_a.pk, "text": "看不见的单位"}
        ).status_code
        == 404
    )
    assert leader.post("/api/instructions/", {"target": "no.such", "target_id": 1, "text": "x"}).status_code == 404


def test_the_author_is_named_by_person_title_or_login(world, audit):
    from taizhang.org import services as org_services

    leader = world.users["leader"]
    assert services.instruction_add(actor=leader, target=world.unit_a, text="一").author_name == "leader"
    org_services.person_create(actor=world.admin, name="苏区长", title="区长", unit=world.units["GOV"], user=leader)
    assert services.instruction_add(actor=leader, target=world.unit_a, text="二").author_name == "苏区长（区长）"
    leader.person.title = ""
    assert services.instruction_add(actor=leader, target=world.unit_a, text="三").author_name == "苏区长"


def test_a_record_without_a_unit_cannot_be_instructed(world, audit):
    with pytest.raises(ValidationFailed, match="no responsible unit"):
        services.instruction_add(actor=world.users["leader"], target=world.users["outsider"], text="x")
