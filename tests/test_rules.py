"""Rules that need no database: transitions, dates, numbers, text."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossier import lifecycle
from app.errors import DomainError
from app.text import fold, format_amount, format_date, format_rate, person_name
from models.enums import AbandonReason, DossierStatus

D = dt.date


def test_abandon_needs_a_reason_and_other_needs_a_text():
    with pytest.raises(DomainError, match="motif"):
        lifecycle.check_abandon(DossierStatus.CLIENT, None, "")
    with pytest.raises(DomainError, match="Précisez") as error:
        lifecycle.check_abandon(DossierStatus.CLIENT, AbandonReason.OTHER, "   ")
    assert error.value.field == "detail"
    assert (
        lifecycle.check_abandon(
            DossierStatus.PROSPECT, AbandonReason.OTHER, " Parti  à l'étranger "
        )
        == "Parti à l'étranger"
    )
    # A text typed before switching to another reason is not kept.
    assert lifecycle.check_abandon(DossierStatus.CLIENT, AbandonReason.COMPETITION, "x") == ""


def test_abandoned_dossier_cannot_be_abandoned_again_nor_edited():
    with pytest.raises(DomainError, match="déjà abandonné"):
        lifecycle.check_abandon(DossierStatus.ABANDONED, AbandonReason.COMPETITION, "")
    with pytest.raises(DomainError, match="lecture seule"):
        lifecycle.check_can_edit(DossierStatus.ABANDONED)
    lifecycle.check_can_edit(DossierStatus.CLIENT)


def test_only_abandoned_dossiers_resume_as_prospect_or_client():
    with pytest.raises(DomainError, match="Seul un dossier abandonné"):
        lifecycle.check_resume(DossierStatus.CLIENT, DossierStatus.CLIENT, D(2026, 1, 1))
    with pytest.raises(DomainError):
        lifecycle.check_resume(DossierStatus.ABANDONED, DossierStatus.ABANDONED, D(2026, 1, 1))
    with pytest.raises(DomainError, match="date de création"):
        lifecycle.check_resume(DossierStatus.ABANDONED, DossierStatus.PROSPECT, None)
    lifecycle.check_resume(DossierStatus.ABANDONED, DossierStatus.PROSPECT, D(2026, 1, 1))


def test_dates_follow_the_life_of_a_loan():
    today = D(2026, 6, 1)
    ok = lifecycle.DossierDates(D(2026, 1, 10), D(2026, 2, 1), D(2026, 3, 1), D(2026, 5, 1))
    lifecycle.check_dates(ok, today)
    with pytest.raises(DomainError, match="antérieure à la date de création") as error:
        lifecycle.check_dates(
            lifecycle.DossierDates(D(2026, 1, 10), None, D(2026, 1, 9), None), today
        )
    assert error.value.field == "offer_signed_on"
    with pytest.raises(DomainError, match="précéder la signature de l'offre"):
        lifecycle.check_dates(
            lifecycle.DossierDates(D(2026, 1, 10), None, D(2026, 3, 1), D(2026, 2, 1)), today
        )
    with pytest.raises(DomainError, match="futur"):
        lifecycle.check_dates(lifecycle.DossierDates(D(2026, 6, 2), None, None, None), today)
    with pytest.raises(DomainError, match="invalide"):
        lifecycle.check_dates(lifecycle.DossierDates(D(1900, 1, 1), None, None, None), today)


def test_steps_move_one_at_a_time_within_bounds():
    assert lifecycle.next_step_index(0, 5, 1) == 1
    assert lifecycle.next_step_index(3, 5, -1) == 2
    with pytest.raises(DomainError, match="dernière étape"):
        lifecycle.next_step_index(4, 5, 1)
    with pytest.raises(DomainError, match="première étape"):
        lifecycle.next_step_index(0, 5, -1)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 41, "2026\x00-1"])
def test_bad_dossier_numbers_are_refused(bad):
    with pytest.raises(DomainError):
        lifecycle.normalize_number(bad)


def test_dossier_number_is_trimmed():
    assert lifecycle.normalize_number("  2026-00042 ") == "2026-00042"


def test_french_formatting():
    assert fold("  Éloïse   LEFÈVRE ") == "eloise lefevre"
    assert format_amount(123456) == "1\u202f234,56\u00a0€"
    assert format_amount(-5) == "-0,05\u00a0€"
    assert format_rate(3450) == "3,45\u00a0%"
    assert format_rate(3835) == "3,835\u00a0%"
    assert format_date(D(2026, 3, 7)) == "07/03/2026"
    assert person_name("Marie", "Dupont") == "DUPONT Marie"
