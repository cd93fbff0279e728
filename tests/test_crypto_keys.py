"""The office key, its sub-keys, argon2id, and the recovery key as people read and type it."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.crypto.keys import (
    DEFAULT_PARAMS,
    KdfParams,
    OfficeKey,
    database_key,
    derive_key,
    documents_key,
    file_name_key,
    new_office_key,
)
from app.crypto.recovery import (
    ALPHABET,
    GROUPS,
    LENGTH,
    RecoveryKey,
    new_recovery_key,
    parse_recovery_key,
    wrapping_key,
)
from app.errors import DomainError

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
FIXED = RecoveryKey(bytes(range(32)))


def test_office_keys_are_random_256_bits_never_shown():
    first, second = new_office_key(), new_office_key()
    assert len(first.secret) == 32
    assert first != second
    assert first.secret.hex() not in repr(first)
    with pytest.raises(ValueError):
        OfficeKey(b"short")


def test_the_database_key_is_the_raw_key_form_of_pragma_key():
    office_key = new_office_key()
    key = database_key(office_key)
    assert re.fullmatch(r"x'[0-9a-f]{64}'", key)
    assert key == database_key(OfficeKey(office_key.secret))  # the same office, the same key
    assert key != database_key(new_office_key())


def test_each_use_has_its_own_sub_key_none_of_them_the_office_key():
    office_key = new_office_key()
    keys = {
        bytes.fromhex(database_key(office_key)[2:-1]),
        documents_key(office_key),
        file_name_key(office_key),
        office_key.secret,
    }
    assert len(keys) == 4
    assert all(len(key) == 32 for key in keys)


def test_argon2id_depends_on_password_salt_and_parameters():
    salt = b"0123456789abcdef"
    key = derive_key("mot de passe", salt, FAST)
    assert len(key) == 32
    assert key == derive_key("mot de passe", salt, FAST)
    assert key != derive_key("mot de passe ", salt, FAST)  # typed as is: nothing stripped
    assert key != derive_key("mot de passe", b"fedcba9876543210", FAST)
    assert key != derive_key("mot de passe", salt, KdfParams(2, 8 * 1024, 1))


def test_the_default_cost_stays_within_a_laptops_means():
    assert DEFAULT_PARAMS.memory_kib <= 256 * 1024
    assert DEFAULT_PARAMS.memory_kib >= 64 * 1024  # memory-hard enough to matter
    DEFAULT_PARAMS.check()


@pytest.mark.parametrize(
    "params",
    [
        KdfParams(time_cost=1, memory_kib=64 * 1024 * 1024, parallelism=1),  # 64 GiB
        KdfParams(time_cost=0, memory_kib=8 * 1024, parallelism=1),
        KdfParams(time_cost=1000, memory_kib=8 * 1024, parallelism=1),
        KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=0),
        KdfParams(time_cost=1, memory_kib=4, parallelism=1),
    ],
)
def test_costs_a_crafted_file_could_ask_for_are_refused(params):
    with pytest.raises(ValueError):
        derive_key("x", b"0123456789abcdef", params)


# The recovery key


def test_a_recovery_key_is_14_groups_of_4_from_crockfords_alphabet():
    key = new_recovery_key()
    groups = key.groups()
    assert len(groups) == GROUPS == 14
    assert all(len(group) == 4 and set(group) <= set(ALPHABET) for group in groups)
    assert key.text() == "-".join(groups)
    assert not set("ILOU") & set(key.text())
    assert key.secret.hex() not in repr(key)
    assert parse_recovery_key(key.text()) == key


@given(st.binary(min_size=32, max_size=32))
def test_any_recovery_key_reads_back(secret):
    key = RecoveryKey(secret)
    assert parse_recovery_key(key.text()) == key
    assert parse_recovery_key("".join(key.groups())) == key


@given(st.binary(min_size=32, max_size=32), st.data())
def test_typing_is_read_tolerantly(secret, data):
    key = RecoveryKey(secret)
    typed = []
    for position, char in enumerate("".join(key.groups())):
        if char == "0":
            char = data.draw(st.sampled_from("0oO"))
        elif char == "1":
            char = data.draw(st.sampled_from("1iIlL"))
        elif data.draw(st.booleans()):
            char = char.lower()
        typed.append(char)
        if position % 4 == 3:
            separators = ["", " ", "-", " - ", "\u00a0", "\u2013", "\n", "\u200b"]
            typed.append(data.draw(st.sampled_from(separators)))
    assert parse_recovery_key("".join(typed)) == key


@settings(max_examples=60)
@given(
    st.binary(min_size=32, max_size=32),
    st.integers(0, LENGTH - 1),
    st.sampled_from(ALPHABET),
)
def test_any_one_mistyped_character_is_caught(secret, position, replacement):
    text = "".join(RecoveryKey(secret).groups())
    if text[position] == replacement:
        return
    typed = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(DomainError) as refused:
        parse_recovery_key(typed)
    assert refused.value.field == "recovery_key"
    assert "ne se vérifie pas" in refused.value.message


@pytest.mark.parametrize("position", range(LENGTH))
def test_the_group_of_a_typo_is_named(position):
    text = "".join(FIXED.groups())
    replacement = "Z" if text[position] != "Z" else "Y"
    typed = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(DomainError) as refused:
        parse_recovery_key(typed)
    assert f"le groupe n° {position // 4 + 1} (" in refused.value.message


def test_two_swapped_neighbours_are_caught():
    text = "".join(FIXED.groups())
    position = next(i for i in range(1, LENGTH) if text[i] != text[i + 1])  # inside group 1
    typed = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    with pytest.raises(DomainError) as refused:
        parse_recovery_key(typed)
    assert "le groupe n° 1 (" in refused.value.message


def test_a_key_too_short_or_too_long_says_how_long_it_should_be():
    text = FIXED.text()
    with pytest.raises(DomainError, match=r"compte 56 caractères \(14 groupes de 4\) : 52 saisis"):
        parse_recovery_key(text[:-5])
    with pytest.raises(DomainError, match="57 saisis"):
        parse_recovery_key(text + "7")
    with pytest.raises(DomainError, match="aucun saisi"):
        parse_recovery_key("  -  ")


@pytest.mark.parametrize("char", ["U", "u", "*", "é", "\x07"])
def test_a_character_no_key_has_is_named(char):
    typed = FIXED.text()[:-1] + char
    with pytest.raises(DomainError) as refused:
        parse_recovery_key(typed)
    assert "ne peut pas figurer dans une clé de secours" in refused.value.message
    shown = char.upper() if char.isprintable() else f"U+{ord(char):04X}"
    assert f"« {unicodedata.normalize('NFKC', shown)} »" in refused.value.message


def test_the_recovery_wrapping_key_is_neither_the_key_nor_shared():
    key = new_recovery_key()
    assert len(wrapping_key(key)) == 32
    assert wrapping_key(key) != key.secret
    assert wrapping_key(key) == wrapping_key(RecoveryKey(key.secret))
    assert wrapping_key(key) != wrapping_key(new_recovery_key())
