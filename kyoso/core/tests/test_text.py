"""Japanese text folding: what people type in different widths, cases and scripts compares equal."""

from __future__ import annotations

from kyoso.core.text import fold, is_reading, normalize_text, reading_of


def test_width_and_case_fold_to_one_form() -> None:
    assert fold("ＤＸ") == fold("dx") == fold("DX") == "dx"
    assert fold("ｼｽﾃﾑ") == "システム"
    assert fold("１２３") == "123"


def test_a_reading_is_hiragana_whatever_was_typed() -> None:
    assert reading_of("クルメ") == "くるめ"
    assert reading_of("ｸﾙﾒ シ") == "くるめし"
    assert is_reading("すぽーつちょう")
    assert not is_reading("久留米")


def test_control_characters_go_and_spaces_become_one() -> None:
    assert normalize_text("窓口\x00  業務\t改善") == "窓口 業務 改善"
