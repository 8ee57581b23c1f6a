"""Development defaults that leak nothing: DEBUG off (no tracebacks in error pages), the database and
uploads readable by kyoso's user only, and 127.0.0.1 and localhost kept apart as origins."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh process with only the defaults (no KYOSO_* variable but the var folder), under the
# usual umask 022 that made files 0644 before.
SCRIPT = r"""
import json, os, sys
os.umask(0o022)
os.environ["DJANGO_SETTINGS_MODULE"] = "kyoso.settings"
import django
django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import path


def boom(request):
    raise RuntimeError("internal-detail-never-shown")


import kyoso.urls

urlpatterns = [path("boom/", boom), *kyoso.urls.urlpatterns]  # the error page links to the site
call_command("migrate", interactive=False, verbosity=0)
connection.ensure_connection()
with connection.cursor() as cursor:  # a write, so the -wal and -shm files exist while we look
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x int)")
    cursor.execute("INSERT INTO probe VALUES (1)")
database = settings.DATABASES["default"]["NAME"]
name = default_storage.save("attachments/2026/12/probe.txt", ContentFile(b"x"))


def mode(path):
    return oct(os.stat(path).st_mode & 0o777) if os.path.exists(path) else None


result = {
    "debug": settings.DEBUG,
    "var": mode(settings.VAR_DIR),
    "database": mode(database),
    "wal": mode(database + "-wal"),
    "shm": mode(database + "-shm"),
    "media": mode(settings.MEDIA_ROOT),
    "upload_dirs": [mode(settings.MEDIA_ROOT / folder) for folder in ("attachments", "attachments/2026/12")],
    "upload": mode(default_storage.path(name)),
}
with override_settings(ROOT_URLCONF="__main__"):
    page = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1:8000").get("/boom/")
result["error_status"] = page.status_code
result["error_page"] = page.content.decode()
# A form posted to 127.0.0.1:8000 by a page on localhost:8000 (another origin) is refused.
client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8000")
client.get("/accounts/sign-in/")
token = client.cookies["csrftoken"].value
posted = {"username": "x@example.lg.jp", "password": "wrong-password", "csrfmiddlewaretoken": token}
result["localhost_origin"] = client.post("/accounts/sign-in/", posted, HTTP_ORIGIN="http://localhost:8000").status_code
result["same_origin"] = client.post("/accounts/sign-in/", posted, HTTP_ORIGIN="http://127.0.0.1:8000").status_code
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def development_defaults(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if os.name == "nt":
        pytest.skip("POSIX file modes")
    var = tmp_path_factory.mktemp("defaults") / "var"
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("KYOSO_") and k != "DJANGO_SETTINGS_MODULE"
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**clean, "KYOSO_VAR_DIR": str(var)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_debug_is_off_by_default_and_a_server_error_shows_no_traceback(
    development_defaults: dict[str, Any],
) -> None:
    assert development_defaults["debug"] is False
    assert development_defaults["error_status"] == 500
    page = development_defaults["error_page"]
    assert "Traceback" not in page
    assert "internal-detail-never-shown" not in page
    assert "RuntimeError" not in page


def test_var_database_and_uploads_are_private(development_defaults: dict[str, Any]) -> None:
    private_dir, private_file = oct(stat.S_IRWXU), oct(stat.S_IRUSR | stat.S_IWUSR)
    assert development_defaults["var"] == private_dir
    assert development_defaults["database"] == private_file
    assert development_defaults["wal"] == private_file
    assert development_defaults["shm"] == private_file
    assert development_defaults["media"] == private_dir
    assert development_defaults["upload_dirs"] == [private_dir, private_dir]
    assert development_defaults["upload"] == private_file


def test_localhost_is_not_a_trusted_origin_for_127_0_0_1(development_defaults: dict[str, Any]) -> None:
    assert development_defaults["localhost_origin"] == 403
    assert development_defaults["same_origin"] != 403
