"""The key file: the office key wrapped per user and by the recovery key; unlocking,
re-wrapping, destroying; missing, damaged or tampered files refused in French."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto.keyfile import (
    MAX_BYTES,
    WRONG_PASSWORD,
    WRONG_RECOVERY_KEY,
    KeyFile,
    create_key_file,
    key_file_path,
    read_key_file,
    update_key_file,
    write_key_file,
)
from app.crypto.keys import DEFAULT_PARAMS, KdfParams, new_office_key
from app.crypto.recovery import new_recovery_key, parse_recovery_key
from app.errors import DatabaseOpenError, DomainError, KeyFileError, UnlockRefused

FAST = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)  # tests only


@pytest.fixture(scope="module")
def office():
    """An office made once (its key file is a value: tests change copies of it)."""
    new = create_key_file("Admin", "secret-admin", params=FAST)
    keys = new.key_file.with_user(new.office_key, "bob", "secret-bob", FAST)
    return new.office_key, new.recovery_key, keys


def _json(keys: KeyFile) -> dict:
    return json.loads(keys.to_bytes())


def _from_json(document: dict) -> KeyFile:
    return KeyFile.from_bytes(json.dumps(document).encode())


def test_a_new_office_opens_with_its_administrators_password_and_its_recovery_key(office):
    office_key, recovery_key, keys = office
    assert keys.unlock("admin", "secret-admin") == office_key
    assert keys.unlock("  ADMIN ", "secret-admin") == office_key  # as the login check reads it
    assert keys.unlock_with_recovery(recovery_key) == office_key
    assert keys.unlock_with_recovery(parse_recovery_key(recovery_key.text().lower())) == office_key
    assert keys.logins() == ["admin", "bob"]
    assert keys.matches(office_key)
    assert not keys.matches(new_office_key())


def test_the_file_holds_no_key_in_clear(office):
    office_key, recovery_key, keys = office
    data = keys.to_bytes()
    for secret in (office_key.secret, recovery_key.secret):
        assert secret not in data
        assert secret.hex().encode() not in data
        assert base64.b64encode(secret) not in data
    assert recovery_key.text().encode() not in data
    assert b"secret-admin" not in data


def test_the_file_is_written_whole_and_private_and_reads_back(office, tmp_path):
    *_, keys = office
    path = key_file_path(tmp_path / "data" / "dossia.sqlite3")
    assert path.name == "dossia.sqlite3.keys"
    write_key_file(path, keys)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == keys
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_backup_carries_the_file_as_bytes(office):
    office_key, _, keys = office
    copy = KeyFile.from_bytes(keys.to_bytes(), "sauvegarde.keys")
    assert copy == keys
    assert copy.unlock("bob", "secret-bob") == office_key


def test_a_wrong_password_or_an_unknown_login_get_the_same_answer(office):
    *_, keys = office
    for login, password in [("admin", "secret-bob"), ("admin", ""), ("carole", "secret-admin")]:
        with pytest.raises(UnlockRefused) as refused:
            keys.unlock(login, password)
        assert refused.value.message == WRONG_PASSWORD
        assert refused.value.message == (
            "Mot de passe incorrect ou clé de chiffrement absente pour cet utilisateur."
        )
        assert refused.value.field == "password"


def test_a_wrong_recovery_key_is_refused(office):
    *_, keys = office
    with pytest.raises(UnlockRefused) as refused:
        keys.unlock_with_recovery(new_recovery_key())
    assert refused.value.message == WRONG_RECOVERY_KEY
    assert refused.value.field == "recovery_key"


def test_a_missing_key_file_is_named_and_says_what_to_do(tmp_path):
    path = tmp_path / "dossia.sqlite3.keys"
    with pytest.raises(KeyFileError) as refused:
        read_key_file(path)
    assert isinstance(refused.value, DatabaseOpenError)
    assert refused.value.message.startswith(
        "Le fichier de clés « dossia.sqlite3.keys » est absent : impossible d'ouvrir les "
        "données chiffrées sans lui."
    )
    assert "sauvegarde" in refused.value.message
    assert "clé de secours" in refused.value.message


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short
        lambda data: b"",
        lambda data: b"\xff\xfe" + data,  # not UTF-8
        lambda data: b"[]",
        lambda data: data.replace(b'"dossia-office-keys"', b'"autre-chose"'),
        lambda data: data.replace(b'"version": 1', b'"version": "1"'),
        lambda data: data.replace(b'"version": 1', b'"version": 0'),
        lambda data: data.replace(b'"kind": "recovery"', b'"kind": "user"'),
        lambda data: data.replace(b'"name": "argon2id"', b'"name": "scrypt"'),
        lambda data: data.replace(b'"time_cost": 1', b'"time_cost": 100000'),
        lambda data: data.replace(b'"memory_kib": 8192', b'"memory_kib": 1073741824'),
        lambda data: data.replace(b'"login": "bob"', b'"login": "admin"'),  # two entries
        lambda data: data.replace(b'"login": "bob"', b'"login": "Bob"'),
        lambda data: data.replace(b'"nonce": "', b'"nonce": "!'),
        lambda data: data.replace(b'"wrapped": "', b'"wrapped": "AAAA'),
    ],
)
def test_a_damaged_key_file_is_refused_as_such(office, tmp_path, damage):
    *_, keys = office
    path = tmp_path / "dossia.sqlite3.keys"
    path.write_bytes(damage(keys.to_bytes()))
    with pytest.raises(KeyFileError) as refused:
        read_key_file(path)
    assert refused.value.message.startswith(
        "Le fichier de clés « dossia.sqlite3.keys » est endommagé ou a été modifié hors de Dossia"
    )
    assert refused.value.damaged


def test_a_key_file_too_big_to_be_ours_is_not_parsed(tmp_path):
    with pytest.raises(KeyFileError, match="taille anormale"):
        KeyFile.from_bytes(b" " * (MAX_BYTES + 1))
    path = tmp_path / "dossia.sqlite3.keys"
    path.write_bytes(b" " * (MAX_BYTES + 10))
    with pytest.raises(KeyFileError, match="taille anormale"):
        read_key_file(path)


def test_a_key_file_from_a_newer_dossia_says_so(office):
    *_, keys = office
    document = _json(keys)
    document["version"] = 2
    with pytest.raises(KeyFileError, match="version plus récente de Dossia"):
        _from_json(document)


def test_a_tampered_wrapped_key_does_not_open(office):
    *_, keys = office
    document = _json(keys)
    for entry in document["entries"]:
        wrapped = bytearray(base64.b64decode(entry["wrapped"]))
        wrapped[5] ^= 0x01
        entry["wrapped"] = base64.b64encode(wrapped).decode()
    tampered = _from_json(document)
    with pytest.raises(UnlockRefused):
        tampered.unlock("admin", "secret-admin")
    with pytest.raises(UnlockRefused):
        tampered.unlock_with_recovery(office[1])


def test_an_entry_moved_to_another_login_or_office_does_not_open(office):
    *_, keys = office
    document = _json(keys)
    admin, bob = (next(e for e in document["entries"] if e["login"] == n) for n in ("admin", "bob"))
    admin["login"], bob["login"] = "bob", "admin"
    swapped = _from_json(document)
    with pytest.raises(UnlockRefused):
        swapped.unlock("bob", "secret-admin")  # admin's wrapping, now filed under bob
    other = create_key_file("admin", "secret-admin", params=FAST).key_file
    document = _json(other)
    document["entries"] = _json(keys)["entries"]  # our entries in another office's file
    with pytest.raises(UnlockRefused):
        _from_json(document).unlock("admin", "secret-admin")


def test_a_key_check_that_does_not_match_is_a_damaged_file(office):
    *_, keys = office
    document = _json(keys)
    document["key_check"] = base64.b64encode(bytes(16)).decode()
    with pytest.raises(KeyFileError, match="la clé ne correspond pas à ce cabinet"):
        _from_json(document).unlock("admin", "secret-admin")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_changed_byte_opens_with_the_right_key_or_not_at_all(office, data):
    office_key, _, keys = office
    original = keys.to_bytes()
    position = data.draw(st.integers(0, len(original) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda v: v != original[position]))
    damaged = original[:position] + bytes([value]) + original[position + 1 :]
    try:
        opened = KeyFile.from_bytes(damaged).unlock("admin", "secret-admin")
    except (KeyFileError, UnlockRefused):
        return
    assert opened == office_key


def test_a_password_change_rewraps_the_same_office_key(office):
    office_key, _, keys = office
    changed = keys.change_password("bob", "secret-bob", "nouveau-bob", FAST)
    with pytest.raises(UnlockRefused):
        changed.unlock("bob", "secret-bob")
    assert changed.unlock("bob", "nouveau-bob") == office_key
    assert changed.unlock("admin", "secret-admin") == office_key  # the others untouched
    with pytest.raises(UnlockRefused):
        keys.change_password("bob", "pas-le-bon", "nouveau-bob", FAST)


def test_an_administrators_reset_rewraps_without_the_old_password(office):
    office_key, _, keys = office
    reset = keys.with_password(office_key, "bob", "remis-a-zero", FAST)
    with pytest.raises(UnlockRefused):
        reset.unlock("bob", "secret-bob")
    assert reset.unlock("bob", "remis-a-zero") == office_key
    assert reset.logins() == ["admin", "bob"]


def test_a_new_user_gets_an_entry_once(office):
    office_key, _, keys = office
    more = keys.with_user(office_key, " Carole ", "secret-carole", FAST)
    assert more.logins() == ["admin", "bob", "carole"]
    assert more.unlock("carole", "secret-carole") == office_key
    with pytest.raises(DomainError, match="« carole » a déjà une clé de chiffrement"):
        more.with_user(office_key, "CAROLE", "autre", FAST)


def test_a_change_needs_this_offices_key(office):
    *_, keys = office
    with pytest.raises(ValueError):
        keys.with_user(new_office_key(), "carole", "secret-carole", FAST)
    with pytest.raises(ValueError):
        keys.with_new_recovery(new_office_key())


def test_a_deactivated_users_entry_is_destroyed(office):
    office_key, recovery_key, keys = office
    without = keys.without_user("Bob")
    assert without.logins() == ["admin"]
    assert b'"bob"' not in without.to_bytes()
    with pytest.raises(UnlockRefused) as refused:
        without.unlock("bob", "secret-bob")
    assert refused.value.message == WRONG_PASSWORD
    assert without.unlock("admin", "secret-admin") == office_key
    assert without.unlock_with_recovery(recovery_key) == office_key
    assert without.without_user("bob") == without  # nothing to destroy twice


def test_a_new_recovery_key_replaces_the_old_one(office):
    office_key, old, keys = office
    renewed, new = keys.with_new_recovery(office_key)
    assert new != old
    assert renewed.unlock_with_recovery(new) == office_key
    with pytest.raises(UnlockRefused):
        renewed.unlock_with_recovery(old)
    assert keys.unlock_with_recovery(old) == office_key  # an older copy (a backup's) still opens


def test_update_key_file_reads_changes_and_writes(office, tmp_path):
    *_, keys = office
    path = tmp_path / "dossia.sqlite3.keys"
    write_key_file(path, keys)
    changed = update_key_file(path, lambda current: current.without_user("bob"))
    assert read_key_file(path) == changed
    assert read_key_file(path).logins() == ["admin"]
    with pytest.raises(KeyFileError):
        update_key_file(tmp_path / "absent.keys", lambda current: current)
    assert not (tmp_path / "absent.keys").exists()


def test_the_default_cost_is_stored_and_used():
    new = create_key_file("admin", "secret")
    entry = next(e for e in new.key_file.entries if e.login == "admin")
    assert entry.params == DEFAULT_PARAMS
    assert json.loads(new.key_file.to_bytes())["entries"][1]["kdf"]["memory_kib"] == 65536
    assert new.key_file.unlock("admin", "secret") == new.office_key
