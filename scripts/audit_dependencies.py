"""The dependency audit: every installed distribution against a snapshot of known advisories, offline.

    python scripts/audit_dependencies.py [--snapshot FILE] [--max-age-days N]

Run it with the Python of the environment to audit (`python3 dev.py audit` runs it in .venv). It reads
the installed distributions with importlib.metadata and the advisories from security/advisories.json,
which scripts/refresh_advisories.py writes from a checkout of the PyPA advisory database. Nothing is
fetched: the check works where only a package mirror is reachable (CI, LGWAN).

Exit status 1 when an installed version is affected by an advisory, with the package, the installed
version, the advisory and the versions that fix it. A snapshot older than --max-age-days (90) is
reported but does not fail the run: the check is as current as the snapshot, and only a refresh from a
connected machine makes it newer. Advisories that cannot be evaluated, and installed distributions the
snapshot was not made for, are reported the same way.

Range semantics are OSV's (https://ossf.github.io/osv-schema/): a version is affected when it is in the
advisory's explicit `versions` list, or when, walking a range's events in version order, the last
event at or below it is `introduced` (a `fixed` version is itself safe, a `last_affected` one is not).
Versions compare as PEP 440 versions, with `packaging`. Only ECOSYSTEM ranges are evaluated: GIT ranges
name commits, not releases (the refresh script leaves them out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOT = ROOT / "security" / "advisories.json"
DEFAULT_MAX_AGE_DAYS = 90
SNAPSHOT_FORMAT = 1


class SnapshotError(Exception):
    """The snapshot file is missing, not JSON, or not in the format this checker reads."""


class UnevaluableAdvisory(Exception):
    """An advisory whose versions are not PEP 440 versions, so it cannot be compared."""


def parse_version(text: str) -> Version:
    try:
        return Version(text)
    except InvalidVersion as error:
        raise UnevaluableAdvisory(f"{text!r} is not a PEP 440 version") from error


def _event_version(event: Mapping[str, str]) -> Version:
    (value,) = event.values()
    # OSV's "0" means "since the first release"; every PEP 440 version is at or above 0.
    return parse_version(value)


def in_range(version: Version, events: Sequence[Mapping[str, str]]) -> bool:
    """Whether `version` is affected by one ECOSYSTEM range (its events in any order)."""
    affected = False
    # The walk over sorted events of the OSV schema's reference evaluation. `sorted` is stable, so
    # events at one version keep their written order.
    for event in sorted(events, key=_event_version):
        if "introduced" in event and version >= parse_version(event["introduced"]):
            affected = True
        elif ("fixed" in event and version >= parse_version(event["fixed"])) or (
            # A fixed version is itself safe; a last_affected one is still affected.
            "last_affected" in event and version > parse_version(event["last_affected"])
        ):
            affected = False
    return affected


def is_affected(version: Version, advisory: Mapping[str, Any]) -> bool:
    """Whether `version` of the advisory's package is affected: listed, or inside one of its ranges."""
    if any(version == parse_version(listed) for listed in advisory.get("versions", [])):
        return True
    return any(
        in_range(version, span["events"])
        for span in advisory.get("ranges", [])
        if span.get("type") == "ECOSYSTEM"
    )


def fixed_versions(advisory: Mapping[str, Any]) -> list[str]:
    """The versions that end an affected range, lowest first: what to upgrade to."""
    found = {
        event["fixed"]
        for span in advisory.get("ranges", [])
        for event in span.get("events", [])
        if "fixed" in event
    }
    return sorted(found, key=_sort_key)


def _sort_key(text: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(text))
    except InvalidVersion:
        return (1, text)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    source: Mapping[str, Any]
    snapshot_date: dt.date
    packages: frozenset[str]
    advisories: tuple[Mapping[str, Any], ...]

    def for_package(self, package: str) -> list[Mapping[str, Any]]:
        return [advisory for advisory in self.advisories if advisory["package"] == package]


def load_snapshot(path: Path) -> Snapshot:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SnapshotError(f"cannot read the advisory snapshot {path}: {error.strerror}") from error
    except ValueError as error:
        raise SnapshotError(f"the advisory snapshot {path} is not JSON: {error}") from error
    if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            f"{path} is not an advisory snapshot in format {SNAPSHOT_FORMAT} "
            "(write one with scripts/refresh_advisories.py)"
        )
    try:
        snapshot_date = dt.date.fromisoformat(data["snapshot_date"])
        advisories = tuple(data["advisories"])
        for advisory in advisories:
            if not isinstance(advisory.get("id"), str) or not isinstance(advisory.get("package"), str):
                raise SnapshotError(f"{path}: an advisory has no id or package")
        return Snapshot(
            path=path,
            source=dict(data["source"]),
            snapshot_date=snapshot_date,
            packages=frozenset(data["packages"]),
            advisories=advisories,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise SnapshotError(f"{path} is not a well-formed advisory snapshot: {error!r}") from error


def installed_distributions() -> dict[str, str]:
    """Name as PyPI compares it (PEP 503) -> version, for every distribution this Python can import."""
    found: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(canonicalize_name(name), distribution.version)
    return found


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: Mapping[str, Any]

    def describe(self) -> str:
        advisory = self.advisory
        aliases = ", ".join(advisory.get("aliases", []))
        fixed = ", ".join(fixed_versions(advisory)) or "no fixed version published"
        return (
            f"{self.package} {self.version}: {advisory['id']}"
            + (f" ({aliases})" if aliases else "")
            + f"; fixed in {fixed}\n    {advisory.get('summary', '')}"
        )


@dataclass
class Report:
    findings: list[Finding]
    unevaluable: list[str]
    uncovered: list[str]
    checked: int


def audit(installed: Mapping[str, str], snapshot: Snapshot) -> Report:
    report = Report(findings=[], unevaluable=[], uncovered=[], checked=len(installed))
    for package, version_text in sorted(installed.items()):
        if package not in snapshot.packages:
            report.uncovered.append(f"{package} {version_text}")
        try:
            version = Version(version_text)
        except InvalidVersion:
            if snapshot.for_package(package):
                report.unevaluable.append(f"{package} {version_text}: not a PEP 440 version")
            continue
        for advisory in snapshot.for_package(package):
            try:
                if is_affected(version, advisory):
                    report.findings.append(Finding(package, version_text, advisory))
            except (UnevaluableAdvisory, KeyError, TypeError, ValueError) as error:
                report.unevaluable.append(f"{package} {version_text}: {advisory['id']}: {error}")
    return report


def print_report(report: Report, snapshot: Snapshot, *, today: dt.date, max_age_days: int) -> None:
    source = snapshot.source
    age = (today - snapshot.snapshot_date).days
    shown = snapshot.path.resolve()
    if shown.is_relative_to(ROOT):
        shown = shown.relative_to(ROOT)
    print(
        f"Advisory snapshot {shown}: {source.get('repository', '?')} at "
        f"{str(source.get('commit', '?'))[:12]}, as of {snapshot.snapshot_date.isoformat()} "
        f"({age} days old; {len(snapshot.advisories)} advisories for {len(snapshot.packages)} packages)"
    )
    if age > max_age_days:
        print(
            f"WARNING: the snapshot is older than {max_age_days} days: advisories published since "
            f"{snapshot.snapshot_date.isoformat()} are not checked. Refresh it (SECURITY.md, "
            "`scripts/refresh_advisories.py`)."
        )
    if report.uncovered:
        print(
            "WARNING: the snapshot was not made for these installed distributions, so their advisories "
            "are not in it; refresh it: " + ", ".join(report.uncovered)
        )
    for line in report.unevaluable:
        print(f"WARNING: cannot evaluate {line}")
    if report.findings:
        print(f"\n{len(report.findings)} known vulnerabilities in installed distributions:")
        for finding in report.findings:
            print(f"  {finding.describe()}")
        print("\nUpgrade each to a fixed version (raise its lower bound in pyproject.toml).")
    else:
        print(
            f"No installed distribution ({report.checked} checked) is affected by an advisory in the "
            "snapshot."
        )


def main(argv: Iterable[str] | None = None, *, today: dt.date | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="audit_dependencies.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=DEFAULT_SNAPSHOT,
        help=f"advisory snapshot (default {DEFAULT_SNAPSHOT})",
    )
    parser.add_argument(
        "--max-age-days",
        type=int,
        default=DEFAULT_MAX_AGE_DAYS,
        help="warn when the snapshot is older than this (default %(default)s)",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        snapshot = load_snapshot(args.snapshot)
    except SnapshotError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    report = audit(installed_distributions(), snapshot)
    print_report(
        report,
        snapshot,
        today=today or dt.datetime.now(dt.UTC).date(),
        max_age_days=args.max_age_days,
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
