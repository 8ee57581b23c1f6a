"""Write security/advisories.json from the PyPA advisory database, for the offline dependency audit.

    .venv/bin/python scripts/refresh_advisories.py --from PATH [--output FILE]

PATH is a checkout of https://github.com/pypa/advisory-database (a folder with `vulns/`) or its git
directory (a bare or mirror clone): `git clone --depth 1 https://github.com/pypa/advisory-database` on a
connected machine is enough. Run it with .venv's Python after `python3 dev.py test` (or `dev.py lint`)
installed the test extra: the snapshot covers the distributions installed there (kyoso's runtime and
test dependencies) and those they require on other platforms or Python versions (tzdata, colorama ...),
and the audit names any installed distribution it was not made for.

The snapshot keeps facts only, per advisory and package: the id, its aliases (CVE, GHSA), the package's
normalised name, the affected ECOSYSTEM ranges and explicit versions as OSV gives them, the summary (or
the start of the details), and the dates. Withdrawn advisories and GIT ranges (commits, not
releases) are left out. The header names the repository, its commit and that commit's date (the
snapshot's date: what the audit's age warning measures) and the licence (CC-BY 4.0, attributed in
NOTICE). The same input gives the same bytes.

PyYAML reads the advisories; uvicorn[standard] installs it into .venv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from audit_dependencies import (
    DEFAULT_SNAPSHOT,
    SNAPSHOT_FORMAT,
    UnevaluableAdvisory,
    parse_version,
)
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

REPOSITORY = "https://github.com/pypa/advisory-database"
LICENCE = "CC-BY-4.0"
ATTRIBUTION = (
    "Python Packaging Advisory Database (https://github.com/pypa/advisory-database), "
    "Creative Commons Attribution 4.0 International (CC-BY 4.0); facts selected and reformatted by kyoso"
)
SUMMARY_MAX_CHARS = 240


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with dates kept as written: `modified` stays the advisory's own string."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def covered_packages() -> set[str]:
    """Every installed distribution, and every distribution one of them requires outside an extra."""
    names: set[str] = set()
    for distribution in importlib.metadata.distributions():
        if not distribution.metadata["Name"]:
            continue
        names.add(canonicalize_name(distribution.metadata["Name"]))
        for line in distribution.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            # An extra's requirements are installed (and so already named) only when the extra was asked for.
            if requirement.marker is None or "extra" not in str(requirement.marker):
                names.add(canonicalize_name(requirement.name))
    return names


def git(where: list[str], *args: str, data: bytes | None = None) -> bytes:
    try:
        return subprocess.run(["git", *where, *args], input=data, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        stderr = getattr(error, "stderr", b"") or b""
        raise SystemExit(
            f"git {' '.join(args[:2])} failed: {stderr.decode(errors='replace') or error}"
        ) from error


def read_source(source: Path) -> tuple[str, dt.datetime, Iterator[tuple[str, bytes]]]:
    """The commit, its date and (path, YAML bytes) of every advisory, from a checkout or a git directory."""
    # A checkout is read from its files (its commit says which state they are); a bare or mirror
    # clone from the commit's tree.
    if (source / "vulns").is_dir():
        where = ["-C", str(source)]
        files = sorted((source / "vulns").rglob("*.yaml"))
        advisories: Iterator[tuple[str, bytes]] = (
            (path.relative_to(source).as_posix(), path.read_bytes()) for path in files
        )
    else:
        where = ["--git-dir", str(source)]
        listing = git(where, "ls-tree", "-r", "--name-only", "-z", "HEAD", "vulns/").decode()
        names = sorted(name for name in listing.split("\0") if name.endswith(".yaml"))
        if not names:
            raise SystemExit(f"{source} holds no vulns/**/*.yaml: not the PyPA advisory database")
        advisories = _batch(where, names)
    commit = git(where, "rev-parse", "HEAD").decode().strip()
    date = dt.datetime.fromisoformat(git(where, "show", "-s", "--format=%cI", "HEAD").decode().strip())
    return commit, date, advisories


def _batch(where: list[str], names: list[str]) -> Iterator[tuple[str, bytes]]:
    out = git(where, "cat-file", "--batch", data="".join(f"HEAD:{name}\n" for name in names).encode())
    position = 0
    for name in names:
        header_end = out.index(b"\n", position)
        size = int(out[position:header_end].split()[2])
        yield name, out[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1


def summary_of(advisory: dict[str, Any]) -> str:
    """The summary, else the details, on one line and cut to a readable length."""
    text = advisory.get("summary") or advisory.get("details") or ""
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_MAX_CHARS else line[: SUMMARY_MAX_CHARS - 1] + "…"


def records_of(advisory: dict[str, Any], path: str, covered: set[str]) -> list[dict[str, Any]]:
    """One record per covered package the advisory names, its ranges and versions merged."""
    by_package: dict[str, dict[str, Any]] = {}
    for affected in advisory.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) not in covered:
            continue
        name = canonicalize_name(package["name"])
        record = by_package.setdefault(
            name,
            {
                "id": advisory["id"],
                "aliases": sorted(advisory.get("aliases", [])),
                "package": name,
                "summary": summary_of(advisory),
                "ranges": [],
                "versions": [],
                "published": advisory.get("published", ""),
                "modified": advisory["modified"],
            },
        )
        for span in affected.get("ranges", []):
            if span["type"] == "ECOSYSTEM":
                record["ranges"].append({"type": span["type"], "events": span["events"]})
        record["versions"].extend(affected.get("versions", []))
    for record in by_package.values():
        _check_versions(record, path)
    return list(by_package.values())


def _check_versions(record: dict[str, Any], path: str) -> None:
    """Refuse what the audit could not compare, so a snapshot never holds an advisory it would skip."""
    values = list(record["versions"])
    for span in record["ranges"]:
        for event in span["events"]:
            values.extend(event.values())
    for value in values:
        if not isinstance(value, str):
            raise SystemExit(f"{path}: version {value!r} is not a string")
        try:
            parse_version(value)
        except UnevaluableAdvisory as error:
            raise SystemExit(f"{path}: {error}") from error


def build(source: Path) -> dict[str, Any]:
    covered = covered_packages()
    commit, commit_date, files = read_source(source)
    records: list[dict[str, Any]] = []
    for path, data in files:
        advisory = yaml.load(data, Loader=_Loader)  # noqa: S506 (a SafeLoader without timestamps)
        if not isinstance(advisory, dict) or advisory.get("withdrawn"):
            continue
        records.extend(records_of(advisory, path, covered))
    records.sort(key=lambda record: (record["package"], record["id"]))
    return {
        "format": SNAPSHOT_FORMAT,
        "source": {"repository": REPOSITORY, "commit": commit, "commit_date": commit_date.isoformat()},
        "snapshot_date": commit_date.astimezone(dt.UTC).date().isoformat(),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "packages": sorted(covered),
        "advisories": records,
    }


def dump(snapshot: dict[str, Any]) -> str:
    """The header readable at the top, then one advisory per line: small diffs when refreshed."""
    header = {key: value for key, value in snapshot.items() if key != "advisories"}
    head = json.dumps(header, ensure_ascii=False, indent=1)[:-2]
    lines = [
        json.dumps(record, ensure_ascii=False, separators=(",", ":")) for record in snapshot["advisories"]
    ]
    return head + ',\n "advisories": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="refresh_advisories.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="source", type=Path, required=True, help="checkout or git directory")
    parser.add_argument("--output", type=Path, default=DEFAULT_SNAPSHOT, help=f"default {DEFAULT_SNAPSHOT}")
    args = parser.parse_args()
    snapshot = build(args.source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dump(snapshot), encoding="utf-8")
    print(
        f"{args.output}: {len(snapshot['advisories'])} advisories for {len(snapshot['packages'])} packages, "
        f"{snapshot['source']['commit'][:12]} of {snapshot['snapshot_date']}"
    )


if __name__ == "__main__":
    main()
