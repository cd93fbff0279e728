"""The shared checks of user input: one text cleaner and the French identifiers."""

from __future__ import annotations

import pytest

from app.errors import DomainError
from app.validation import (
    check_amount,
    clean_text,
    normalize_bic,
    normalize_iban,
    normalize_siren,
    normalize_siret,
    normalize_vat_number,
)


def test_identifiers_are_stored_compact_whatever_the_separators():
    assert normalize_siren("732.829.320") == "732829320"
    assert normalize_siret("732 829 320 00074") == "73282932000074"
    assert normalize_vat_number("fr-44.732.829.320") == "FR44732829320"
    assert normalize_vat_number("44 732 829 320") == "FR44732829320"
    assert normalize_bic("agri-fr-pp") == "AGRIFRPP"
    assert (
        normalize_iban("fr76 3000-6000 0112 3456 7890 189") == "FR76 3000 6000 0112 3456 7890 189"
    )
    assert normalize_iban("  ") == normalize_bic("") == normalize_siren("") == ""


@pytest.mark.parametrize(
    ("check", "value", "field", "words"),
    [
        (normalize_siren, "732829321", "siren", "SIREN invalide"),
        (normalize_siret, "73282932000075", "siret", "SIRET invalide"),
        (normalize_vat_number, "FR00732829320", "vat_number", "TVA intracommunautaire"),
        (normalize_iban, "FR7630006000011234567890188", "iban", "clé de contrôle"),
        (normalize_bic, "AGRIXXPP", "bic", "code pays"),
        (normalize_bic, "AGRI", "bic", "8 ou 11"),
    ],
)
def test_a_wrong_identifier_says_why_next_to_its_field(check, value, field, words):
    with pytest.raises(DomainError, match=words) as refused:
        check(value)
    assert refused.value.field == field


def test_one_text_cleaner_with_the_screens_own_wording():
    assert clean_text("  Marie \n  Dupont ", "name", "Nom", 20) == "Marie Dupont"
    with pytest.raises(DomainError, match="Nom : 5 caractères au plus") as refused:
        clean_text("abcdefgh", "name", "Nom", 5)
    assert refused.value.field == "name"
    with pytest.raises(DomainError, match="caractères invalides"):
        clean_text("a\u200bb", "name", "Nom", 5)
    with pytest.raises(DomainError, match="Donnez un nom"):
        clean_text(" ", "name", "Nom", 5, required=True, required_message="Donnez un nom.")
    with pytest.raises(DomainError, match="Trop long"):
        clean_text("abcdefgh", "name", "Nom", 5, too_long_message="Trop long.")


def test_amounts_are_bounded():
    assert check_amount(None, "x", "Revenu") is None
    with pytest.raises(DomainError, match="négatif"):
        check_amount(-1, "x", "Revenu")
    with pytest.raises(DomainError, match="1\u202f000\u202f000\u00a0€ par mois au plus"):
        check_amount(10**12, "x", "Revenu", per=" par mois")
    with pytest.raises(DomainError, match="à renseigner"):
        check_amount(None, "x", "Mensualité", required=True)
