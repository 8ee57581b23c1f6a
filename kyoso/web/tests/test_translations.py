"""The English catalogue translates every Japanese string, and the compiled .mo matches the .po."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def po_entries() -> list[dict[str, str]]:
    """Entries of django.po as {"msgid": ..., "msgid_plural": ..., "msgstr": ..., "flags": ...}."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        flags = ""
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags = line
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" in fields:
            entry = {key: "".join(ast.literal_eval(part) for part in parts) for key, parts in fields.items()}
            entry["flags"] = flags
            entries.append(entry)
    return [e for e in entries if e["msgid"]]


def test_every_string_in_the_english_catalogue_is_translated() -> None:
    entries = po_entries()
    assert len(entries) > 100
    untranslated = [
        e["msgid"]
        for e in entries
        if "fuzzy" in e["flags"]
        or not (e.get("msgstr") or e.get("msgstr[0]"))
        or ("msgstr[1]" in e and not e["msgstr[1]"])
    ]
    assert untranslated == []


def test_compiled_catalogue_is_up_to_date_with_the_po_file() -> None:
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in po_entries():
        if "msgid_plural" in entry:
            if catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 2) != entry["msgstr[1]"]:
                stale.append(entry["msgid"])
        elif catalogue.gettext(entry["msgid"]) != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], "run: cd kyoso && ../.venv/bin/kyoso compilemessages -l en"


@pytest.mark.parametrize("text", ["ホーム", "サインイン", "このメッセージは削除されました"])
def test_interface_words_have_english_translations(text: str) -> None:
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext(text) != text


KYOSO = Path(__file__).resolve().parents[2]
TEMPLATE_STRING = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")
PYTHON_STRING = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|pgettext_lazy)\(\s*(?:"([^"\\]+)"|'([^'\\]+)')\s*\)"""
)


def source_strings() -> set[str]:
    """Plain literal strings marked for translation in templates and Python code."""
    found: set[str] = set()
    for path in KYOSO.rglob("*"):
        if "tests" in path.parts or "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix in {".html", ".txt"}:
            pattern = TEMPLATE_STRING
        elif path.suffix == ".py":
            pattern = PYTHON_STRING
        else:
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return found


def test_every_marked_string_in_the_code_is_in_the_catalogue() -> None:
    strings = source_strings()
    assert len(strings) > 100
    catalogue = {entry["msgid"] for entry in po_entries()}
    missing = sorted(s for s in strings if s not in catalogue)
    assert missing == [], "run makemessages and translate these"
