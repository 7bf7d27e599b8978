"""Smoke-test what `make demo` does, as a new user would: build the demo into a fresh var/, serve it with
`taizhang serve`, log in with every printed login and open the home page and a few ledgers."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
PAGES = ["/", "/org/units/", "/org/people/", "/org/areas/", "/org/areas/map/", "/api/docs/"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    var = tempfile.mkdtemp(prefix="taizhang-smoke-")
    env = {**os.environ, "TAIZHANG_VAR": var}
    env.pop("DATABASE_URL", None)
    subprocess.run([BIN / "taizhang", "migrate", "--noinput", "-v0"], env=env, check=True)
    out = subprocess.run([BIN / "taizhang", "demo"], env=env, check=True, capture_output=True, text=True).stdout
    password = re.search(r"password for all: (\S+)\)", out).group(1)
    logins = re.findall(r"^  (\w+)\s{2,}", out.split("Demo logins", 1)[1], re.M)
    assert len(logins) >= 6, out
    port = free_port()
    server = subprocess.Popen(
        [BIN / "taizhang", "serve", "--bind", f"127.0.0.1:{port}", "--no-jobs"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        for username in logins:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            page = opener.open(base + "/login/").read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            data = urllib.parse.urlencode(
                {"username": username, "password": password, "csrfmiddlewaretoken": token}
            ).encode()
            request = urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"})
            landed = opener.open(request)
            assert landed.geturl() == base + "/", f"{username}: login failed, landed on {landed.geturl()}"
            for path in PAGES:
                body = opener.open(base + path).read().decode()
                assert 'lang="zh-hans"' in body or path == "/api/docs/", (username, path)
            print(f"  {username}: logged in, {len(PAGES)} pages OK")
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"demo smoke test passed for {len(logins)} logins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
