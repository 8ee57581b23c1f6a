"""The offline dependency audit: scripts/audit_dependencies.py, its snapshot and the refresh script."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPTS / "audit_dependencies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first, as an import would: its dataclasses look their module up while they are made.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ecosystem(*events: dict[str, str]) -> dict[str, Any]:
    return {"ranges": [{"type": "ECOSYSTEM", "events": list(events)}]}


def write_snapshot(
    path: Path, advisories: list[dict[str, Any]], *, date: dt.date = TODAY, packages: list[str] | None = None
) -> Path:
    # By default the snapshot was made for everything installed here, as a refresh in .venv makes it.
    installed = sorted(
        canonicalize_name(distribution.metadata["Name"])
        for distribution in importlib.metadata.distributions()
    )
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "source": {"repository": "test", "commit": "0" * 40, "commit_date": date.isoformat()},
                "snapshot_date": date.isoformat(),
                "licence": "CC-BY-4.0",
                "attribution": "test",
                "packages": packages if packages is not None else installed,
                "advisories": advisories,
            }
        ),
        encoding="utf-8",
    )
    return path


def advisory(package: str, ident: str = "PYSEC-0000-1", **affected: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "aliases": ["CVE-0000-0001"],
        "package": package,
        "summary": "A test advisory.",
        "ranges": affected.get("ranges", []),
        "versions": affected.get("versions", []),
        "published": "2026-01-01T00:00:00Z",
        "modified": "2026-01-01T00:00:00Z",
    }


def next_major(version: str) -> str:
    return f"{Version(version).major + 1}.0"


# OSV range semantics


@pytest.mark.parametrize(
    ("events", "version", "affected"),
    [
        # introduced "0": since the first release, up to the fixed one, which is itself safe.
        ([{"introduced": "0"}, {"fixed": "1.2"}], "0.1", True),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.1.9", True),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.2", False),
        ([{"introduced": "0"}, {"fixed": "1.2"}], "1.3", False),
        # Two branches in one range, written newest first (as the PyPA database writes them).
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "4.1.9",
            False,
        ),
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "4.2.14",
            True,
        ),
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "4.2.15",
            False,
        ),
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "4.9",
            False,
        ),
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "5.0.7",
            True,
        ),
        (
            [{"introduced": "5.0"}, {"fixed": "5.0.8"}, {"introduced": "4.2"}, {"fixed": "4.2.15"}],
            "5.1",
            False,
        ),
        # last_affected is itself affected; what follows is not.
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "0.9", False),
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4", True),
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4.post1", False),
        # No fix yet: everything from the introduction on.
        ([{"introduced": "2.0"}], "1.9", False),
        ([{"introduced": "2.0"}], "99.0", True),
        # PEP 440 order: a release candidate comes before its release.
        ([{"introduced": "0"}, {"fixed": "2.0"}], "2.0rc1", True),
        ([{"introduced": "0"}, {"fixed": "2.0"}], "2.0.post1", False),
    ],
)
def test_osv_range_decides_whether_a_version_is_affected(
    checker: ModuleType, events: list[dict[str, str]], version: str, affected: bool
) -> None:
    assert checker.is_affected(Version(version), ecosystem(*events)) is affected


def test_explicit_versions_list_is_affected_besides_the_ranges(checker: ModuleType) -> None:
    listed = {"versions": ["3.2a1", "5.0"], **ecosystem({"introduced": "3.2"}, {"fixed": "3.2.5"})}
    assert checker.is_affected(Version("3.2a1"), listed)  # listed, though before the range
    assert checker.is_affected(Version("5.0.0"), listed)  # 5.0 and 5.0.0 are one version
    assert checker.is_affected(Version("3.2.4"), listed)  # in the range, not listed
    assert not checker.is_affected(Version("3.2.5"), listed)
    assert not checker.is_affected(Version("5.0.1"), listed)


def test_git_ranges_are_not_evaluated(checker: ModuleType) -> None:
    commits = {"ranges": [{"type": "GIT", "events": [{"introduced": "0"}, {"fixed": "a1b2c3"}]}]}
    assert not checker.is_affected(Version("1.0"), commits)


def test_fixed_versions_are_listed_lowest_first(checker: ModuleType) -> None:
    fixes = ecosystem({"introduced": "9.0"}, {"fixed": "10.0"}, {"introduced": "0"}, {"fixed": "9.1"})
    assert checker.fixed_versions(fixes) == ["9.1", "10.0"]


# The check against what is installed


def test_advisory_affecting_an_installed_version_fails_the_audit_and_names_it(tmp_path: Path) -> None:
    installed = importlib.metadata.version("pytest")
    snapshot = write_snapshot(
        tmp_path / "advisories.json",
        [
            advisory(
                "pytest", "PYSEC-2099-7", **ecosystem({"introduced": "0"}, {"fixed": next_major(installed)})
            )
        ],
    )
    completed = subprocess.run(
        [sys.executable, str(SCRIPTS / "audit_dependencies.py"), "--snapshot", str(snapshot)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert f"pytest {installed}: PYSEC-2099-7 (CVE-0000-0001); fixed in {next_major(installed)}" in (
        completed.stdout
    )


def test_advisory_fixed_below_the_installed_version_passes(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed = Version(importlib.metadata.version("pytest"))
    snapshot = write_snapshot(
        tmp_path / "advisories.json",
        [
            advisory(
                "pytest", **ecosystem({"introduced": "0"}, {"fixed": f"{installed.major}.{installed.minor}"})
            )
        ],
    )
    assert checker.main(["--snapshot", str(snapshot)], today=TODAY) == 0
    output = capsys.readouterr().out
    assert "No installed distribution" in output
    assert "PYSEC-0000-1" not in output


def test_advisory_of_a_package_not_installed_passes(checker: ModuleType, tmp_path: Path) -> None:
    snapshot = write_snapshot(
        tmp_path / "advisories.json", [advisory("not-installed-here", versions=["1.0"], ranges=[])]
    )
    assert checker.main(["--snapshot", str(snapshot)], today=TODAY) == 0


def test_old_snapshot_warns_without_failing(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = write_snapshot(tmp_path / "advisories.json", [], date=TODAY - dt.timedelta(days=91))
    assert checker.main(["--snapshot", str(snapshot)], today=TODAY) == 0
    output = capsys.readouterr().out
    assert f"as of {(TODAY - dt.timedelta(days=91)).isoformat()} (91 days old" in output
    assert "WARNING: the snapshot is older than 90 days" in output

    recent = write_snapshot(tmp_path / "recent.json", [], date=TODAY - dt.timedelta(days=90))
    assert checker.main(["--snapshot", str(recent)], today=TODAY) == 0
    assert "WARNING" not in capsys.readouterr().out


def test_installed_distribution_the_snapshot_was_not_made_for_is_named(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = write_snapshot(tmp_path / "advisories.json", [], packages=["django"])
    assert checker.main(["--snapshot", str(snapshot)], today=TODAY) == 0
    warning = next(line for line in capsys.readouterr().out.splitlines() if "not made for" in line)
    named = warning.split("refresh it: ")[1].split(", ")
    assert f"pytest {importlib.metadata.version('pytest')}" in named
    assert not [item for item in named if item.startswith("django ")]


def test_advisory_that_cannot_be_compared_is_reported(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = write_snapshot(
        tmp_path / "advisories.json", [advisory("pytest", "PYSEC-0000-9", versions=["not a version"])]
    )
    checker.main(["--snapshot", str(snapshot)], today=TODAY)
    assert "WARNING: cannot evaluate pytest" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["not json", '{"format": 99}', '{"format": 1, "snapshot_date": "x"}'])
def test_unreadable_snapshot_is_an_error(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "advisories.json"
    path.write_text(content, encoding="utf-8")
    assert checker.main(["--snapshot", str(path)], today=TODAY) == 2
    assert "ERROR:" in capsys.readouterr().err


# The snapshot in the repository


def test_checked_in_snapshot_is_evaluable_and_attributed(checker: ModuleType) -> None:
    snapshot = checker.load_snapshot(checker.DEFAULT_SNAPSHOT)
    assert snapshot.source["repository"] == "https://github.com/pypa/advisory-database"
    assert len(snapshot.source["commit"]) == 40
    assert "django" in snapshot.packages and "pillow" in snapshot.packages
    for record in snapshot.advisories:
        assert record["package"] == canonicalize_name(record["package"])
        # Raises UnevaluableAdvisory if a version in it could not be compared.
        checker.is_affected(Version("0"), record)


def test_checked_in_snapshot_flags_a_django_release_with_a_known_advisory(checker: ModuleType) -> None:
    snapshot = checker.load_snapshot(checker.DEFAULT_SNAPSHOT)
    flagged_5_0_7 = checker.audit({"django": "5.0.7"}, snapshot)
    assert "PYSEC-2024-70" in {finding.advisory["id"] for finding in flagged_5_0_7.findings}
    flagged_5_0_8 = checker.audit({"django": "5.0.8"}, snapshot)
    assert "PYSEC-2024-70" not in {finding.advisory["id"] for finding in flagged_5_0_8.findings}


# The refresh script


ADVISORY_YAML = """\
id: PYSEC-2099-{n}
modified: 2099-01-0{n}T10:00:00.123Z
published: 2099-01-01T00:00:00Z
aliases:
- CVE-2099-000{n}
details: "First paragraph of the details,\n  on two lines.\n\nSecond paragraph."
affected:
- package:
    ecosystem: PyPI
    name: {name}
  ranges:
  - type: GIT
    repo: https://example.invalid/repo
    events:
    - introduced: "0"
    - fixed: 0123456789abcdef
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: "1.0"
  versions:
  - "0.9"
{extra}"""


def fake_advisory_database(tmp_path: Path) -> Path:
    repo = tmp_path / "advisory-database"
    (repo / "vulns" / "django").mkdir(parents=True)
    (repo / "vulns" / "elsewhere").mkdir()
    files = {
        "vulns/django/PYSEC-2099-1.yaml": ADVISORY_YAML.format(n=1, name="Django", extra=""),
        "vulns/django/PYSEC-2099-2.yaml": ADVISORY_YAML.format(
            n=2, name="django", extra="withdrawn: 2099-02-01T00:00:00Z\n"
        ),
        "vulns/elsewhere/PYSEC-2099-3.yaml": ADVISORY_YAML.format(n=3, name="not-installed-here", extra=""),
    }
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_AUTHOR_DATE": "2099-03-01T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2099-03-01T12:00:00+00:00",
    }
    for command in (["init", "-q"], ["add", "vulns"], ["commit", "-q", "-m", "advisories"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, env=env, capture_output=True)
    return repo


def refresh(source: Path, output: Path) -> dict[str, Any]:
    subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "refresh_advisories.py"),
            "--from",
            str(source),
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return data


def test_refresh_keeps_the_facts_of_advisories_for_installed_packages(tmp_path: Path) -> None:
    repo = fake_advisory_database(tmp_path)
    snapshot = refresh(repo, tmp_path / "from-checkout.json")

    assert snapshot["snapshot_date"] == "2099-03-01"
    assert snapshot["source"]["repository"] == "https://github.com/pypa/advisory-database"
    assert snapshot["licence"] == "CC-BY-4.0"
    assert "django" in snapshot["packages"] and "pytest" in snapshot["packages"]
    # The withdrawn advisory and the one for a package not installed are left out.
    assert snapshot["advisories"] == [
        {
            "id": "PYSEC-2099-1",
            "aliases": ["CVE-2099-0001"],
            "package": "django",
            "summary": "First paragraph of the details, on two lines. Second paragraph.",
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}],
            "versions": ["0.9"],
            "published": "2099-01-01T00:00:00Z",
            "modified": "2099-01-01T10:00:00.123Z",
        }
    ]
    # The git directory gives the same snapshot, to the byte.
    refresh(repo / ".git", tmp_path / "from-git-dir.json")
    assert (tmp_path / "from-git-dir.json").read_bytes() == (tmp_path / "from-checkout.json").read_bytes()
