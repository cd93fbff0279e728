"""Characters no user means to type — NUL, control characters, lone surrogates, bidi
overrides, digits that are not ASCII — get a French message or are removed, never a crash
and never a stored value."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.dossier.dossier_service import NewDossier
from app.errors import DomainError
from app.listing import ListQuery
from app.office.company import Company
from app.office.referential import BankData, ReferrerData
from app.text import parse_amount
from models.enums import DossierStatus, DossierTab
from tests.helpers import new_dossier

UNSAFE = ["Ma\x00rie", "Ma\udfffrie", "\u202eeirаM", "Ma\x1brie", "\u2066Marie\u2069"]


@pytest.mark.parametrize("typed", ["²", "١٢٣", "12,5²", "1\x002", "\ud800"])
def test_amounts_take_ascii_digits_only(typed):
    with pytest.raises(DomainError, match="Montant invalide"):
        parse_amount(typed)


@pytest.mark.parametrize("typed", [*UNSAFE, "\x00", "\ud800"])
def test_the_search_field_takes_anything(workspace, typed):
    workspace.list_page(ListQuery(search=typed), 0, 50)
    workspace.tab_counts(ListQuery(search=typed))


@pytest.mark.parametrize("value", UNSAFE)
def test_single_line_fields_refuse_them_with_a_french_message(workspace, value):
    owner, provenance = workspace.user.id, workspace.office.active_provenances()[0].id
    commands = [
        lambda: workspace.dossiers.create(
            NewDossier(DossierStatus.CLIENT, value, "", owner_id=owner, provenance_id=provenance)
        ),
        lambda: workspace.referential.save_provenance(None, value),
        lambda: workspace.referential.save_referrer(None, ReferrerData(value)),
        lambda: workspace.referential.save_bank(None, BankData(value)),
        lambda: workspace.settings.add_step(value, 50),
        lambda: workspace.roles.create_role(value, frozenset()),
        lambda: workspace.company.save(Company(name=value)),
    ]
    for command in commands:
        with pytest.raises(DomainError):
            command()


def test_an_email_with_a_nul_is_refused(workspace):
    detail = new_dossier(workspace)
    holder = workspace.household.get(detail.id).borrowers[0]
    with pytest.raises(DomainError, match="e-mail") as refused:
        workspace.household.save_borrower(
            detail.id, detail.version, 1, replace(holder, email="marie\x00@exemple.fr")
        )
    assert refused.value.field == "email"


def test_rich_text_keeps_the_text_and_drops_the_unsafe_characters(workspace):
    detail = new_dossier(workspace)
    comment = workspace.comments.add(
        detail.id, DossierTab.GENERAL, "<p>Ap\x00pel\ud800er \u202ele client</p>", False
    )
    assert comment.body == "<p>Appeler le client</p>"
    note = workspace.dossiers.save_note(detail.id, detail.version, "<p>No\x00te\u2066</p>")
    assert note.internal_note == "<p>Note</p>"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.png", b"Ceci est un fichier texte."),
        ("logo.jpg", b"\x89PNG\r\n\x1a\n"),
        (
            "logo.svg",
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><svg>&e;</svg>",
        ),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("logo.svg", b'<svg><image href="http://example.com/x.png"/></svg>'),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * (3 * 1024 * 1024)),
    ],
)
def test_a_logo_is_checked_by_its_content(workspace, tmp_path, name, content):
    logo = tmp_path / name
    logo.write_bytes(content)
    with pytest.raises(DomainError, match="PNG ou JPEG") as refused:
        workspace.company.save(Company(name="Cabinet"), logo)
    assert refused.value.field == "logo"


def test_a_real_png_logo_is_accepted(workspace, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert workspace.company.save(Company(name="Cabinet"), logo).logo_hash


def test_user_names_follow_the_same_rule_on_creation_and_change(workspace):
    from app.office.office import NewUser

    role = workspace.users.roles()[0].id
    with pytest.raises(DomainError, match="100 caractères"):
        workspace.users.create_user(NewUser("long", "L" * 1_000_000, "Long", "motdepasse-1"), role)
    rows = workspace.users.create_user(NewUser("court", " Léa ", "Blanc", "motdepasse-1"), role)
    user = next(r for r in rows if r.login == "court")
    assert user.first_name == "Léa"
    with pytest.raises(DomainError, match="100 caractères"):
        workspace.users.update_user(user.id, "L" * 101, "Blanc", role, True)
    with pytest.raises(DomainError, match="caractères invalides"):
        workspace.users.update_user(user.id, "Lé\x00a", "Blanc", role, True)
