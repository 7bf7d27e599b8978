"""Notifications: the in-app list, e-mail, and group robots tested against a local HTTP server, with retries,
a delivery log, and nothing lost silently."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from taizhang.core.errors import NotFound, PermissionDenied, ValidationFailed
from taizhang.notifications import channels, services
from taizhang.notifications.models import Delivery, DeliveryStatus, Notification, Robot
from taizhang.org import services as org_services


class RobotServer:
    """A stand-in for the robots' webhook servers: records each POST and answers from a script."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[tuple[int, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                server.received.append(
                    {"path": self.path, "body": json.loads(body), "content_type": self.headers["Content-Type"]}
                )
                status, answer = server.answers.pop(0) if server.answers else (200, b'{"errcode":0,"errmsg":"ok"}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RobotServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def robot_server() -> Iterator[RobotServer]:
    with RobotServer() as server:
        yield server


def robots(world, server):
    wecom = services.robot_create(
        actor=world.admin,
        unit=world.unit_a,
        kind="wecom",
        name="甲街道群",
        url=f"{server.url}/cgi-bin/webhook/send?key=K",
    )
    dingtalk = services.robot_create(
        actor=world.admin,
        unit=world.unit_a,
        kind="dingtalk",
        name="甲街道钉钉",
        url=f"{server.url}/robot/send?access_token=T",
        secret="SECabc",
    )
    return wecom, dingtalk


def test_a_unit_is_notified_in_app_by_email_and_on_both_robots(
    world, audit, robot_server, django_capture_on_commit_callbacks
):
    world.users["reporter_a"].email = "a@example.gov.cn"
    world.users["reporter_a"].save()
    robots(world, robot_server)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_unit(
            actor=world.admin, unit=world.units["A1"], title="新问题", body="东门垃圾\n请处理", url="/issues/1/"
        )
    assert world.users["reporter_a"].notifications.get().title == "新问题"  # a sub-unit's work reaches its parent
    assert not world.users["reporter_b"].notifications.exists()
    assert [m.to for m in mail.outbox] == [["a@example.gov.cn"]] and "东门垃圾" in mail.outbox[0].body
    wecom, dingtalk = sorted(robot_server.received, key=lambda r: r["path"])
    assert wecom["path"] == "/cgi-bin/webhook/send?key=K" and wecom["content_type"].startswith("application/json")
    assert wecom["body"] == {
        "msgtype": "markdown",
        "markdown": {"content": "**新问题**\n> 东门垃圾\n> 请处理\n[查看详情](/issues/1/)"},
    }
    assert dingtalk["body"]["msgtype"] == "markdown" and dingtalk["body"]["markdown"]["title"] == "新问题"
    assert dingtalk["body"]["markdown"]["text"].startswith("#### 新问题")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(dingtalk["path"]).query)
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{query['timestamp'][0]}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["access_token"] == ["T"] and query["sign"] == [expected]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_failures_are_retried_then_given_up_and_reported(
    world, audit, robot_server, django_capture_on_commit_callbacks
):
    wecom, _dingtalk = robots(world, robot_server)
    services.robot_update(actor=world.admin, robot=_dingtalk, values={"is_active": False})
    robot_server.answers = [
        (500, b"oops"),
        (200, b'{"errcode":93000,"errmsg":"invalid webhook url"}'),
        (200, b"not json"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(actor=world.admin, robots=[wecom, _dingtalk], title="提醒")
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1 and "HTTP 500" in delivery.last_error
    assert services.send_due() == {"sent": 0, "retrying": 0, "dead": 0, "skipped": 0}  # not due yet
    later = timezone.now() + dt.timedelta(minutes=2)
    assert services.send_due(now=later)["retrying"] == 1
    assert "invalid webhook url" in Delivery.objects.get().last_error
    services.send_due(now=later + dt.timedelta(minutes=10))
    assert "not JSON" in Delivery.objects.get().last_error
    robot_server.answers = [(500, b"")] * 5
    services.send_due(now=later + dt.timedelta(hours=1))
    assert services.send_due(now=later + dt.timedelta(hours=4)) == {"sent": 0, "retrying": 0, "dead": 1, "skipped": 0}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == services.MAX_ATTEMPTS
    alert = world.admin.notifications.get(kind="delivery_dead")
    assert (
        "甲街道群" not in alert.body and wecom.url[:40] in alert.body and "/admin/notifications/delivery/" in alert.url
    )
    assert len(robot_server.received) == services.MAX_ATTEMPTS


def test_an_unreachable_robot_and_a_refusing_mail_server_are_retried(
    world, audit, settings, django_capture_on_commit_callbacks
):
    robot = services.robot_create(
        actor=world.admin, unit=world.unit_a, kind="wecom", name="坏", url="http://127.0.0.1:9/x"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    world.users["reporter_a"].email = "a@example.gov.cn"
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(actor=world.admin, recipients=[world.users["reporter_a"]], robots=[robot], title="t")
    errors = dict(Delivery.objects.values_list("channel", "last_error"))
    assert errors["wecom"].startswith("cannot reach the robot") and errors["email"].startswith("e-mail not accepted")
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.RETRYING}


def test_a_robot_url_must_be_http(world, audit):
    with pytest.raises(ValidationFailed):
        services.robot_create(actor=world.admin, unit=world.unit_a, kind="wecom", name="x", url="ftp://host/x")
    with pytest.raises(channels.SendFailed):
        channels.post_json("ftp://host/x", {})
    with pytest.raises(PermissionDenied):
        services.robot_create(
            actor=world.users["reporter_a"], unit=world.unit_a, kind="wecom", name="x", url="http://h/x"
        )
    with pytest.raises(TypeError):
        services.robot_create(actor=world.admin, unit=world.unit_a, kind="wecom", name="x", url="http://h/x", colour=1)


def test_two_workers_never_send_the_same_message_twice(world, audit, robot_server):
    wecom, _ = robots(world, robot_server)
    services.notify(actor=world.admin, robots=[wecom], title="一次")  # on_commit never runs here: still pending
    delivery = Delivery.objects.get()
    stale = Delivery.objects.get(pk=delivery.pk)
    assert services.attempt(delivery, timezone.now()) == "sent"
    assert services.attempt(stale, timezone.now()) == "skipped"
    assert len(robot_server.received) == 1


def test_a_queue_that_is_down_leaves_the_deliveries_for_cron(
    world, audit, monkeypatch, robot_server, django_capture_on_commit_callbacks
):
    from django_tasks.base import Task

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("queue down")

    monkeypatch.setattr(Task, "enqueue", broken)
    wecom, _ = robots(world, robot_server)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(actor=world.admin, robots=[wecom], title="排队")
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    from django.core.management import call_command

    call_command("notifications_send")
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_retries_are_scheduled_on_a_queue_that_can_wait(world, audit, monkeypatch, robot_server):
    from django_tasks import default_task_backend
    from django_tasks.base import Task

    scheduled: list[dict[str, Any]] = []
    original = Task.using

    def spy(self: Any, **kwargs: Any) -> Any:
        scheduled.append(kwargs)
        return original(self, **kwargs)

    monkeypatch.setattr(default_task_backend, "supports_defer", True)
    monkeypatch.setattr(Task, "using", spy)
    wecom, _ = robots(world, robot_server)
    services.notify(actor=world.admin, robots=[wecom], title="稍后")
    robot_server.answers = [(503, b"")]
    services.send_due()
    delivery = Delivery.objects.get()
    assert scheduled == [{"run_after": delivery.next_attempt_at}]

    def broken(self: Any, **kwargs: Any) -> Any:
        raise RuntimeError("queue down")

    monkeypatch.setattr(Task, "using", broken)
    services._schedule_retry(delivery.pk, delivery.next_attempt_at)  # logged; cron picks the delivery up


def test_reading_notifications(world, audit):
    reporter = world.users["reporter_a"]
    first, second = (
        services.notify(actor=world.admin, recipients=[reporter], title=t, url="/issues/")[0] for t in ("一", "二")
    )
    with pytest.raises(NotFound):
        services.notification_read(actor=world.users["reporter_b"], notification=first)
    services.notification_read(actor=reporter, notification=first)
    services.notification_read(actor=reporter, notification=first)
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert services.notification_read_all(actor=reporter) == 1 and str(second) == "二"
    assert (
        services.notify(actor=world.admin, recipients=[None, world.users["outsider"]], title="x")[0].recipient
        == world.users["outsider"]
    )


def test_the_notification_page_and_api(world, audit):
    reporter = world.users["reporter_a"]
    note = services.notify(actor=world.admin, recipients=[reporter], title="请签收", body="详情", url="/issues/")[0]
    services.notify(actor=world.admin, recipients=[reporter], title="外链", url="https://evil.example/")
    client = Client()
    client.force_login(reporter)
    page = client.get("/notifications/").content.decode()
    assert "请签收" in page and 'data-testid="read-all"' in page
    assert "请签收" in client.get("/notifications/", {"unread": "1"}).content.decode()
    opened = client.post(f"/notifications/{note.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/issues/"
    evil = Notification.objects.get(title="外链")
    assert client.post(f"/notifications/{evil.pk}/open/")["Location"] == "/notifications/"
    other = Client()
    other.force_login(world.users["reporter_b"])
    assert other.post(f"/notifications/{note.pk}/open/").status_code == 404
    assert client.post("/notifications/").status_code == 302
    assert not Notification.objects.filter(recipient=reporter, read_at__isnull=True).exists()
    api = APIClient()
    api.force_authenticate(reporter)
    services.notify(actor=world.admin, recipients=[reporter], title="新")
    body = api.get("/api/notifications/", {"unread": "1"}).json()
    assert [n["title"] for n in body["results"]] == ["新"]
    newest = body["results"][0]["id"]
    assert api.post(f"/api/notifications/{newest}/read/").json()["read_at"] is not None
    assert api.post("/api/notifications/abc/read/").status_code == 404
    assert api.post("/api/notifications/read-all/").json() == {"marked": 0}
    other_api = APIClient()
    other_api.force_authenticate(world.users["reporter_b"])
    assert other_api.post(f"/api/notifications/{newest}/read/").status_code == 404


def test_the_delivery_log_in_the_admin_resends(world, audit, robot_server, admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    wecom, _ = robots(world, robot_server)
    services.notify(actor=world.admin, robots=[wecom], title="重发")
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=5)
    delivery = Delivery.objects.get()
    assert admin_client.get("/admin/notifications/delivery/").status_code == 200
    response = admin_client.post(
        "/admin/notifications/delivery/", {"action": "resend", "_selected_action": [delivery.pk]}
    )
    assert response.status_code == 302
    assert Delivery.objects.get().status == DeliveryStatus.SENT and str(delivery).endswith(": 重发")
    services.robot_void(actor=world.admin, robot=wecom, reason="群解散")
    assert Robot.objects.live().count() == 1


def test_links_become_absolute_when_the_site_address_is_known(settings):
    settings.TAIZHANG = {**settings.TAIZHANG, "BASE_URL": "https://taizhang.example.gov.cn/"}
    assert channels.absolute("/issues/1/") == "https://taizhang.example.gov.cn/issues/1/"
    assert channels.absolute("https://x/") == "https://x/"
    assert channels.email_payload("t", "", "/a/")["body"] == "https://taizhang.example.gov.cn/a/"
    assert channels.dingtalk_signed_url("http://h/send", "", 1) == "http://h/send"
    assert "?timestamp=1&sign=" in channels.dingtalk_signed_url("http://h/send", "SEC", 1)


def test_the_unit_recipients_are_members_of_the_unit_and_above(world, audit):
    head = org_services.user_create(actor=world.admin, username="head_a1", password="walk-the-scope-2026")
    org_services.membership_create(actor=world.admin, user=head, unit=world.units["A1"], role="unit_head")
    assert services.unit_recipients(world.units["A1"]) == [world.users["reporter_a"], head]
    assert services.unit_recipients(world.unit_a) == [world.users["reporter_a"]]
    assert json.dumps(services.unit_robots(world.unit_a)) == "[]"
