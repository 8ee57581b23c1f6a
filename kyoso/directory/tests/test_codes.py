"""全国地方公共団体コード check digits, and the codes kyoso assigns itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyoso.directory.codes import check_digit, is_valid_code, own_code, own_code_serial
from kyoso.directory.datafile import DEFAULT_DATA_FILE, read_directory_file
from kyoso.directory.errors import InvalidOrganizationCode, OrganizationNotFound
from kyoso.directory.queries import organization_by_code


def test_known_codes_have_the_published_check_digit() -> None:
    assert check_digit("40203") == 6  # 久留米市 402036
    assert check_digit("09000") == 0  # 栃木県 090000: r = 1 gives 0, not 10
    assert is_valid_code("402036")
    assert is_valid_code("010006")  # 北海道, leading zero kept


def test_every_shipped_code_is_valid_and_unique() -> None:
    codes = [row.code for row in read_directory_file(DEFAULT_DATA_FILE)]
    assert all(is_valid_code(code) for code in codes)
    assert len(codes) == len(set(codes))


def test_a_wrong_check_digit_is_not_valid() -> None:
    assert not is_valid_code("402037")
    assert not is_valid_code("40203")
    assert not is_valid_code("４０２０３６")  # full-width digits are for the query layer to normalise


@given(st.text(alphabet="0123456789", min_size=5, max_size=5))
def test_exactly_one_final_digit_makes_a_valid_code(first_five: str) -> None:
    valid = [digit for digit in "0123456789" if is_valid_code(first_five + digit)]
    assert valid == [str(check_digit(first_five))]


@given(st.integers(min_value=1, max_value=9999))
def test_own_codes_validate_and_never_look_like_a_prefecture(serial: int) -> None:
    code = own_code(serial)
    assert is_valid_code(code)
    assert code.startswith("9")  # 全国地方公共団体コード start with 01–47
    assert own_code_serial(code) == serial


def test_agencies_in_the_shipped_file_use_kyosos_own_codes() -> None:
    agencies = [row for row in read_directory_file(DEFAULT_DATA_FILE) if row.kind == "national_agency"]
    assert agencies
    assert all(own_code_serial(row.code) is not None for row in agencies)


def test_lookup_by_code_accepts_full_width_digits(small_directory: object) -> None:
    assert organization_by_code("４０２０３６").name == "久留米市"


def test_lookup_with_a_wrong_check_digit_explains_in_japanese(small_directory: object) -> None:
    with pytest.raises(InvalidOrganizationCode) as raised:
        organization_by_code("402037")
    assert "チェックディジット" in str(raised.value)
    assert "402037" in str(raised.value)


def test_lookup_of_malformed_code_is_refused(db: None) -> None:
    with pytest.raises(InvalidOrganizationCode):
        organization_by_code("40-203")


def test_lookup_of_valid_but_unknown_code_is_not_found(small_directory: object) -> None:
    with pytest.raises(OrganizationNotFound):
        organization_by_code("011002")  # 札幌市: valid, but not in the small directory
