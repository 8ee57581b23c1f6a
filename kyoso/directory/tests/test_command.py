"""``kyoso directory``: load, stats, find and domain on the console."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kyoso.directory.tests.conftest import KURUME, SOUMU, DirectoryWriter


def run(*args: str) -> str:
    out = StringIO()
    call_command("directory", *args, stdout=out)
    return out.getvalue()


def test_load_prints_the_counts(db: None, write_directory: DirectoryWriter) -> None:
    path = str(write_directory())
    assert "created 10, updated 0, unchanged 0, deactivated 0" in run("load", "--file", path)
    counts = json.loads(run("load", "--file", path, "--json"))
    assert {key: counts[key] for key in ("created", "updated", "unchanged", "deactivated")} == {
        "created": 0,
        "updated": 0,
        "unchanged": 10,
        "deactivated": 0,
    }


def test_load_of_a_missing_file_fails_with_a_clear_message(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such data file"):
        run("load", "--file", str(tmp_path / "missing.csv"))


def test_load_of_a_broken_file_fails_naming_the_line(db: None, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(
        "code,kind,municipality_type,name,kana,name_en,prefecture_code,parent_code,region,population,website,domains\n"
        "400001,prefecture,,福岡県,ふくおかけん,,,,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="2行目"):
        run("load", "--file", str(broken))


def test_stats_json_after_loading_the_shipped_file(shipped_directory: object) -> None:
    stats = json.loads(run("stats", "--json"))
    assert stats["prefecture"] == 47
    assert stats["municipality"] == 1741
    assert stats["designated_city_ward"] == 171
    assert stats["national_agency"] >= 40
    assert stats["other_public_body"] == 0
    assert "municipality" in run("stats")


@pytest.mark.usefixtures("small_directory")
class TestLookups:
    def test_find_lists_matches(self) -> None:
        assert run("find", "クルメ").startswith(f"{KURUME}  福岡県久留米市（くるめし）")

    def test_find_json(self) -> None:
        assert [match["code"] for match in json.loads(run("find", "くるめ", "--json"))] == [KURUME]

    def test_find_without_matches_fails(self) -> None:
        with pytest.raises(CommandError, match="No organisation matches"):
            run("find", "存在しない町")

    def test_domain_marks_the_chosen_organisation(self) -> None:
        output = run("domain", "taro@soumu.go.jp")
        assert output.splitlines()[0].startswith(f"* {SOUMU}")
        assert len(output.splitlines()) == 2

    def test_domain_json(self) -> None:
        payload = json.loads(run("domain", "kankyo.city.kurume.fukuoka.jp", "--json"))
        assert payload["organization"]["code"] == KURUME

    def test_domain_errors_are_clear(self) -> None:
        with pytest.raises(CommandError, match="No organisation owns"):
            run("domain", "someone@example.com")
        with pytest.raises(CommandError, match="形式が正しくありません"):
            run("domain", "someone@")
