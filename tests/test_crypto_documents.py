"""Documents encrypted on disk: streamed AES-256-GCM chunks, keyed file names, decryption to
memory and to a private temporary copy; every kind of damage refused."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.crypto.documents import (
    CHUNK,
    HEADER_BYTES,
    TAG_BYTES,
    VIEW_PREFIX,
    DocumentCipher,
    encrypted_size,
    is_encrypted,
    remove_decrypted_copies,
)
from app.crypto.keys import new_office_key
from app.errors import Cancelled, DamagedDocument, DomainError

SMALL = 64  # bytes a chunk, so that a few hundred bytes make many chunks
OFFICE_KEY = new_office_key()
CIPHER = DocumentCipher(OFFICE_KEY)
SMALL_CIPHER = DocumentCipher(OFFICE_KEY, chunk_size=SMALL)
PAYSLIP = (
    b"%PDF-1.7\nBULLETIN DE PAIE - Jean-Baptiste DUPONT - 12 rue des Lilas 69003 Lyon - "
    b"IBAN FR76 3000 6000 0112 3456 7890 189 - Net a payer 2 845,17 EUR\n"
)


def _encrypted(content: bytes, cipher: DocumentCipher = SMALL_CIPHER) -> bytes:
    out = io.BytesIO()
    cipher.encrypt(io.BytesIO(content), out)
    return out.getvalue()


def _decrypted(stored: bytes, cipher: DocumentCipher = SMALL_CIPHER) -> bytes:
    out = io.BytesIO()
    cipher.decrypt(io.BytesIO(stored), out)
    return out.getvalue()


def _sealed(stored: bytes, chunk_size: int = SMALL) -> list[bytes]:
    body = stored[HEADER_BYTES:]
    step = chunk_size + TAG_BYTES
    return [body[i : i + step] for i in range(0, len(body), step)]


@given(st.binary(max_size=SMALL * 6 + 3))
def test_any_document_round_trips(content):
    stored = _encrypted(content)
    assert len(stored) == encrypted_size(len(content), SMALL)
    assert _decrypted(stored) == content


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 3 * SMALL, 3 * SMALL + 5])
def test_sizes_around_chunk_boundaries_round_trip(size):
    content = os.urandom(size)
    assert _decrypted(_encrypted(content)) == content


def test_a_multi_chunk_file_round_trips_every_way(tmp_path):
    content = os.urandom(3 * CHUNK + 12345)
    source, stored = tmp_path / "releve.pdf", tmp_path / "stored"
    source.write_bytes(content)
    content_hash, size = CIPHER.encrypt_file(source, stored)
    assert (content_hash, size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert stored.stat().st_size == encrypted_size(len(content))
    assert len(_sealed(stored.read_bytes(), CHUNK)) == 4
    assert is_encrypted(stored) and not is_encrypted(source)
    assert CIPHER.decrypt_bytes(stored) == content
    assert CIPHER.head(stored) == content[:16]
    target = tmp_path / "copie.pdf"
    assert CIPHER.decrypt_to_file(stored, target) == len(content)
    assert target.read_bytes() == content
    if os.name == "posix":
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_the_stored_file_shows_nothing_of_the_document():
    content = PAYSLIP * 40
    stored = _encrypted(content, CIPHER)
    for word in (b"DUPONT", b"Lilas", b"FR76", b"BULLETIN", b"%PDF", b"2 845,17"):
        assert word not in stored
    assert _encrypted(content, CIPHER) != stored  # a fresh salt each time: no equal ciphertexts
    assert content not in _encrypted(content, DocumentCipher(new_office_key()))


def test_a_cut_file_is_refused():
    content = os.urandom(5 * SMALL + 10)
    stored = _encrypted(content)
    chunks = _sealed(stored)
    header = stored[:HEADER_BYTES]
    for cut in (
        header + b"".join(chunks[:-1]),  # at a chunk boundary: the last chunk gone
        header + b"".join(chunks[:2]),
        stored[:-1],
        stored[: HEADER_BYTES + 7],
        header,
    ):
        with pytest.raises(DamagedDocument) as refused:
            _decrypted(cut)
        assert "endommagé ou a été modifié hors de Dossia" in refused.value.message


def test_reordered_repeated_or_added_chunks_are_refused():
    stored = _encrypted(os.urandom(4 * SMALL + 10))
    header, chunks = stored[:HEADER_BYTES], _sealed(stored)
    for changed in (
        [chunks[1], chunks[0], *chunks[2:]],
        [chunks[0], chunks[0], *chunks[2:]],
        [*chunks[:-1], chunks[0], chunks[-1]],
        [*chunks, chunks[-1]],
        [*chunks, b"x"],
    ):
        with pytest.raises(DamagedDocument):
            _decrypted(header + b"".join(changed))


def test_a_full_sized_last_chunk_cannot_pass_for_the_end():
    """A document of exactly n chunks ends with an empty last chunk: dropping it leaves a
    file whose chunks all check but whose end is missing."""
    stored = _encrypted(os.urandom(3 * SMALL))
    header, chunks = stored[:HEADER_BYTES], _sealed(stored)
    assert chunks[-1] == chunks[-1][:TAG_BYTES]  # the empty last chunk: its tag alone
    with pytest.raises(DamagedDocument):
        _decrypted(header + b"".join(chunks[:-1]))


@settings(max_examples=80)
@given(st.data())
def test_any_flipped_bit_is_refused(data):
    stored = bytearray(_encrypted(PAYSLIP * 2))
    position = data.draw(st.integers(len(b"DOSSIA\x00D") + 2, len(stored) - 1))
    stored[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(DamagedDocument):
        _decrypted(bytes(stored))


def test_another_offices_key_or_another_format_is_refused(tmp_path):
    stored = _encrypted(PAYSLIP)
    with pytest.raises(DamagedDocument):
        _decrypted(stored, DocumentCipher(new_office_key(), chunk_size=SMALL))
    with pytest.raises(DamagedDocument, match="n'est pas un document chiffré par Dossia"):
        _decrypted(PAYSLIP)
    newer = stored[:8] + b"\x02" + stored[9:]
    with pytest.raises(DamagedDocument, match="version plus récente"):
        _decrypted(newer)
    huge_chunks = stored[:9] + b"\x30" + stored[10:]
    with pytest.raises(DamagedDocument, match="en-tête invalide"):
        _decrypted(huge_chunks)


def test_a_damaged_file_leaves_no_decrypted_copy(tmp_path):
    stored = tmp_path / "stored"
    stored.write_bytes(_encrypted(os.urandom(4 * SMALL))[:-3])
    with pytest.raises(DamagedDocument):
        SMALL_CIPHER.decrypt_to_file(stored, tmp_path / "copie")
    assert not (tmp_path / "copie").exists()
    with pytest.raises(DamagedDocument), SMALL_CIPHER.decrypted_copy(stored, "x.pdf", tmp_path):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["stored"]
    with pytest.raises(DamagedDocument):
        SMALL_CIPHER.decrypt_bytes(stored)


def test_equal_documents_share_a_keyed_name_that_is_not_their_sha256():
    digest = hashlib.sha256(PAYSLIP).hexdigest()
    name = CIPHER.stored_name(digest)
    assert name == CIPHER.stored_name(hashlib.sha256(bytes(PAYSLIP)).hexdigest())
    assert len(name) == 64 and set(name) <= set("0123456789abcdef")
    assert name != digest
    assert name != CIPHER.stored_name(hashlib.sha256(PAYSLIP + b" ").hexdigest())
    assert name == DocumentCipher(OFFICE_KEY).stored_name(digest)
    assert name != DocumentCipher(new_office_key()).stored_name(digest)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABCDEF" * 10 + "abcd", "", "a" * 63])
def test_a_name_is_only_made_from_a_sha256(bad):
    with pytest.raises(DomainError, match="Empreinte de document invalide"):
        CIPHER.stored_name(bad)


def test_the_viewers_copy_is_private_and_gone_afterwards(tmp_path):
    stored = tmp_path / "stored"
    with stored.open("wb") as writer:
        CIPHER.encrypt(io.BytesIO(PAYSLIP), writer)
    viewing = tmp_path / "viewing"
    with CIPHER.decrypted_copy(stored, "Bulletin de paie.pdf", viewing) as copy:
        assert copy.name == "Bulletin de paie.pdf"
        assert copy.read_bytes() == PAYSLIP
        assert copy.parent.parent == viewing
        assert copy.parent.name.startswith(VIEW_PREFIX)
        if os.name == "posix":
            assert stat.S_IMODE(copy.stat().st_mode) == 0o600
            assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
        copy.chmod(0o400)  # a viewer made it read-only, and left a lock file beside it
        (copy.parent / ".~lock.Bulletin de paie.pdf#").write_text("x")
    assert not copy.exists()
    assert list(viewing.iterdir()) == []
    with pytest.raises(RuntimeError), CIPHER.decrypted_copy(stored, "a.pdf", viewing) as copy:
        raise RuntimeError
    assert not copy.exists() and list(viewing.iterdir()) == []


def test_the_system_temporary_folder_is_the_default(tmp_path):
    stored = tmp_path / "stored"
    stored.write_bytes(_encrypted(PAYSLIP, CIPHER))
    with CIPHER.decrypted_copy(stored, "a.pdf") as copy:
        assert copy.read_bytes() == PAYSLIP
    assert not copy.parent.exists()


@pytest.mark.parametrize("name", ["", ".", "..", "../a.pdf", "a/b.pdf", "a\\b.pdf", "a\x00.pdf"])
def test_the_copys_name_is_a_plain_file_name(tmp_path, name):
    stored = tmp_path / "stored"
    stored.write_bytes(_encrypted(PAYSLIP, CIPHER))
    with (
        pytest.raises(DomainError, match="Nom de fichier invalide"),
        CIPHER.decrypted_copy(stored, name, tmp_path / "viewing"),
    ):
        pass
    assert not (tmp_path / "viewing").exists() or not list((tmp_path / "viewing").iterdir())


def test_copies_left_by_a_crash_are_swept(tmp_path):
    left = tmp_path / (VIEW_PREFIX + "abc")
    left.mkdir()
    (left / "releve.pdf").write_bytes(PAYSLIP)
    (left / "releve.pdf").chmod(0o400)
    mine = tmp_path / "not-ours"
    mine.mkdir()
    remove_decrypted_copies(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-ours"]
    remove_decrypted_copies(tmp_path / "absent")  # nothing to do


def test_the_caller_sees_each_chunk_and_can_stop(tmp_path):
    source = tmp_path / "scan.jpg"
    source.write_bytes(os.urandom(3 * SMALL + 1))
    seen: list[int] = []

    def stop_after_two(chunk: bytes) -> None:
        seen.append(len(chunk))
        if len(seen) == 2:
            raise Cancelled("Ajout annulé : aucun document n'a été joint.")

    target = tmp_path / "store" / "stored"
    with pytest.raises(Cancelled):
        SMALL_CIPHER.encrypt_file(source, target, on_chunk=stop_after_two)
    assert seen == [SMALL, SMALL]
    assert list(target.parent.iterdir()) == []  # nothing under the final name, no scratch


def test_a_big_document_is_never_held_twice_in_memory(tmp_path):
    size = 24 * 1024 * 1024
    source, stored = tmp_path / "scan.pdf", tmp_path / "stored"
    with source.open("wb") as stream:
        for _ in range(size // CHUNK):
            stream.write(os.urandom(CHUNK))
    tracemalloc.start()
    try:
        CIPHER.encrypt_file(source, stored)
        assert tracemalloc.get_traced_memory()[1] < 4 * CHUNK  # streamed: a chunk or two
        tracemalloc.reset_peak()
        with stored.open("rb") as reader, (tmp_path / "plain").open("wb") as writer:
            CIPHER.decrypt(reader, writer)
        assert tracemalloc.get_traced_memory()[1] < 4 * CHUNK
        tracemalloc.reset_peak()
        content = CIPHER.decrypt_bytes(stored)
        assert tracemalloc.get_traced_memory()[1] < size + 4 * CHUNK  # once, plus a chunk
    finally:
        tracemalloc.stop()
    assert len(content) == size
    assert hashlib.sha256(content).digest() == hashlib.sha256(source.read_bytes()).digest()


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=5 * SMALL))
def test_the_preview_reads_what_was_stored(tmp_path, content):
    stored = tmp_path / "stored"
    stored.write_bytes(_encrypted(content))
    assert SMALL_CIPHER.decrypt_bytes(stored) == content
    assert SMALL_CIPHER.head(stored, 5) == content[:5]


def test_a_file_is_read_with_its_own_chunk_size(tmp_path):
    """The chunk size is in the header: a later Dossia may choose another one."""
    content = os.urandom(5 * SMALL + 7)
    stored = tmp_path / "stored"
    stored.write_bytes(_encrypted(content, SMALL_CIPHER))
    assert CIPHER.decrypt_bytes(stored) == content
    assert _decrypted(stored.read_bytes(), CIPHER) == content
    stored.write_bytes(_encrypted(content, CIPHER))
    assert SMALL_CIPHER.decrypt_bytes(stored) == content


def test_the_chunk_size_is_a_power_of_two_within_bounds():
    for bad in (0, 100, 32, 1 << 25):
        with pytest.raises(ValueError):
            DocumentCipher(OFFICE_KEY, chunk_size=bad)
