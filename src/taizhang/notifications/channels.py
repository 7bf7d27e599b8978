"""The wire formats and senders of each channel. A sender raises :class:`SendFailed` with a reason it can log.

Robots: enterprise WeChat (企业微信) and DingTalk (钉钉) group robots both take a JSON POST and answer
``{"errcode": 0, "errmsg": "ok"}``; anything else is a failure. DingTalk robots secured by signing need
``timestamp`` and ``sign`` (HMAC-SHA256 of ``"{timestamp}\\n{secret}"``, base64) in the query string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

TIMEOUT_S = 8


class SendFailed(Exception):
    """The channel refused or could not be reached; the delivery is retried later."""


def absolute(url: str) -> str:
    base = str(settings.TAIZHANG.get("BASE_URL", "") or "").rstrip("/")
    if not url or url.startswith(("http://", "https://")) or not base:
        return url
    return f"{base}{url}"


def wecom_payload(title: str, body: str, url: str) -> dict[str, Any]:
    lines = [f"**{title}**"]
    if body:
        lines += [f"> {line}" for line in body.splitlines() if line.strip()]
    if url:
        lines.append(f"[查看详情]({absolute(url)})")
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def dingtalk_payload(title: str, body: str, url: str) -> dict[str, Any]:
    text = f"#### {title}\n\n"
    if body:
        text += "\n\n".join(line for line in body.splitlines() if line.strip()) + "\n\n"
    if url:
        text += f"[查看详情]({absolute(url)})"
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text.strip()}}


def email_payload(title: str, body: str, url: str) -> dict[str, Any]:
    text = body
    if url:
        text = f"{body}\n\n{absolute(url)}" if body else absolute(url)
    return {"subject": title, "body": text}


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def post_json(url: str, payload: dict[str, Any]) -> None:
    """POST a robot message; raise :class:`SendFailed` unless the robot answers errcode 0."""
    if not url.startswith(("http://", "https://")):
        raise SendFailed(f"not an http(s) URL: {url[:80]}")
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310  (scheme checked above; URLs are set by administrators)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendFailed(f"cannot reach the robot: {getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SendFailed(f"the robot's answer is not JSON: {raw[:120]!r}") from exc
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        raise SendFailed(f"the robot refused the message: {json.dumps(answer, ensure_ascii=False)[:300]}")


def send_email(address: str, payload: dict[str, Any]) -> None:
    try:
        send_mail(payload["subject"], payload["body"], None, [address], fail_silently=False)
    except Exception as exc:  # SMTP and socket errors alike: the delivery is retried
        raise SendFailed(f"e-mail not accepted: {exc}") from exc
