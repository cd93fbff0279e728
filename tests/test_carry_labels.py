"""The French words of «Rapporter»: every field of a dossier's tree has its label, and values
and rows read as a broker reads them."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from app.carry.labels import (
    EMPTY,
    INVOICE_STATES,
    MAX_TEXT,
    TABLE_LABELS,
    TECHNICAL_COLUMNS,
    field_label,
    row_label,
    value_text,
)
from app.text import format_amount, format_duration, format_rate
from models.all import Base
from models.enums import (
    AbandonReason,
    ChargeKind,
    Contract,
    InvoiceKind,
    InvoiceState,
    LineKind,
    PaymentMeans,
    SavingsKind,
)

TREE = (
    "dossiers",
    "borrowers",
    "children",
    "comments",
    "step_changes",
    "projects",
    "current_loans",
    "monthly_charges",
    "real_estate",
    "savings",
    "simulations",
    "simulation_lines",
    "simulation_covers",
    "documents",
    "bank_submissions",
    "requirement_ticks",
    "invoices",
    "payments",
)


def _columns(table: str) -> list[str]:
    return [column.name for column in Base.metadata.tables[table].columns]


def test_every_table_of_the_tree_has_a_french_label():
    assert set(TABLE_LABELS) == set(TREE)
    assert TABLE_LABELS["simulation_covers"] == "Assurance"
    assert TABLE_LABELS["payments"] == "Règlement"
    assert all(label.strip() for label in TABLE_LABELS.values())


@pytest.mark.parametrize("table", TREE)
def test_every_column_has_a_label_or_is_technical(table):
    columns = _columns(table)
    assert TECHNICAL_COLUMNS[table] <= set(columns), "a technical column that no longer exists"
    for column in columns:
        if column in TECHNICAL_COLUMNS[table]:
            with pytest.raises(KeyError):
                field_label(table, column)
        else:
            label = field_label(table, column)
            assert label.strip() and label == label.strip(), column
            assert "(€)" not in label and "*" not in label, "the value says its unit"


def test_the_technical_columns_are_the_keys_and_what_the_dossier_keeps_in_step():
    assert TECHNICAL_COLUMNS["dossiers"] == {
        "id",
        "version",
        "updated_at",
        "holder_name",
        "holder_sort",
        "search_text",
    }
    assert TECHNICAL_COLUMNS["simulation_lines"] == {"id", "simulation_id"}
    assert TECHNICAL_COLUMNS["simulation_covers"] == {"id", "line_id"}
    assert TECHNICAL_COLUMNS["payments"] == {"id", "invoice_id"}
    assert TECHNICAL_COLUMNS["invoices"] == {"id", "dossier_id"}
    # A bank submission's simulation is a field the broker chose, not its parent.
    assert field_label("bank_submissions", "simulation_id").startswith("Simulation envoyée")


def test_an_unknown_column_or_table_has_no_label():
    with pytest.raises(KeyError):
        field_label("borrowers", "shoe_size")
    with pytest.raises(KeyError):
        value_text("borrowers", "shoe_size", 42)
    with pytest.raises(KeyError):
        field_label("carries", "machine")
    with pytest.raises(KeyError):
        row_label("carries", {})


def test_labels_are_the_words_of_the_forms():
    assert field_label("borrowers", "net_monthly_income_cents") == "Revenu net mensuel"
    assert field_label("borrowers", "last_name") == "Nom"
    assert field_label("dossiers", "owner_id") == "Courtier du dossier"
    assert field_label("dossiers", "is_complete") == "Dossier complet"
    assert field_label("dossiers", "internal_note") == "Note interne"
    assert field_label("dossiers", "funds_released_on") == "Déblocage des fonds"
    assert field_label("projects", "contribution_cents") == "Apport personnel"
    assert field_label("children", "alternating_custody") == "Garde alternée"
    assert field_label("simulations", "brokerage_fees_cents") == "Honoraires de courtage"
    assert field_label("invoices", "amount_cents") == "Montant HT"


def test_nothing_reads_as_empty():
    for value in (None, "", "   "):
        assert value_text("borrowers", "first_name", value) == EMPTY == "(vide)"
        assert value_text("borrowers", "net_monthly_income_cents", value) == "(vide)"
        assert value_text("dossiers", "internal_note", value) == "(vide)"
    assert value_text("dossiers", "internal_note", "<p></p><br>") == "(vide)"


def test_amounts_rates_and_shares_are_french():
    assert value_text("borrowers", "net_monthly_income_cents", 123456) == format_amount(123456)
    assert value_text("projects", "price_cents", 0) == format_amount(0)
    assert value_text("invoices", "credited_cents", -5000) == format_amount(-5000)
    assert value_text("real_estate", "value_cents", "250000") == format_amount(250000)
    assert value_text("simulations", "rate_mpct", 3450) == format_rate(3450)
    assert value_text("bank_submissions", "rate_mpct", 3450) == "3,45\u00a0%"
    assert value_text("simulation_covers", "share_bp", 10000) == "100,00\u00a0%"
    assert value_text("invoices", "vat_rate_bp", 2000) == "20,00\u00a0%"
    assert value_text("simulations", "debt_ratio_bp", 1250) == "12,50\u00a0%"


def test_durations_days_sizes_and_percentages():
    assert value_text("simulations", "duration_months", 300) == format_duration(300) == "25 ans"
    assert value_text("simulation_lines", "months", 150) == "150 mois"
    assert value_text("simulation_lines", "deferral_months", 0) == "0 mois"
    assert value_text("invoices", "payment_days", 30) == "30 jours"
    assert value_text("documents", "size_bytes", 350 * 1024) == "350 Ko"
    assert value_text("documents", "size_bytes", 1_258_291) == "1,2 Mo"
    assert value_text("step_changes", "step_percent", 40) == "40\u00a0%"


def test_booleans_read_oui_or_non_whatever_the_driver_gives():
    assert value_text("dossiers", "is_complete", True) == "Oui"
    assert value_text("dossiers", "no_fees", False) == "Non"
    assert value_text("children", "dependent", 1) == "Oui"
    assert value_text("children", "dependent", 0) == "Non"
    assert value_text("current_loans", "to_buy_back", "true") == "Oui"
    assert value_text("current_loans", "to_buy_back", "0") == "Non"


def test_dates_and_datetimes_as_objects_or_iso_text():
    day = dt.date(2026, 12, 1)
    assert value_text("dossiers", "created_on", day) == "01/12/2026"
    assert value_text("dossiers", "created_on", "2026-12-01") == "01/12/2026"
    assert value_text("borrowers", "birth_date", "1985-03-15") == "15/03/1985"
    assert value_text("current_loans", "end_date", dt.date(2031, 6, 30)) == "30/06/2031"
    moment = dt.datetime(2026, 12, 1, 14, 5, 33)
    assert value_text("comments", "created_at", moment) == "01/12/2026 à 14:05"
    assert value_text("comments", "created_at", "2026-12-01T14:05:33") == "01/12/2026 à 14:05"
    assert value_text("comments", "created_at", "2026-12-01 14:05:33.123456") == (
        "01/12/2026 à 14:05"
    )
    assert value_text("payments", "paid_on", "2026-11-03T00:00:00") == "03/11/2026"
    assert value_text("payments", "paid_on", "bientôt") == "bientôt"  # shown, never a crash


def test_a_value_of_an_unexpected_shape_is_shown_as_it_is():
    assert value_text("projects", "price_cents", "about 300k") == "about 300k"
    assert value_text("simulations", "rate_mpct", 3.45) == "3.45"
    assert value_text("invoices", "payment_days", "trente") == "trente"


def test_enums_read_their_label_from_the_member_or_its_value():
    assert value_text("dossiers", "abandon_reason", AbandonReason.DEBT_RATIO) == "Endettement"
    assert value_text("dossiers", "abandon_reason", "debt_ratio") == "Endettement"
    assert value_text("borrowers", "contract", Contract.CDI_TRIAL) == "CDI en période d'essai"
    assert value_text("comments", "tab", "children") == "Enfants"
    assert value_text("simulations", "status", "client_validated") == "Validée client"
    assert value_text("simulation_lines", "kind", LineKind.PTZ) == "Prêt à taux zéro (PTZ)"
    assert value_text("payments", "means", PaymentMeans.CHEQUE) == "Chèque"
    assert value_text("invoices", "state", InvoiceState.DRAFT) == "Brouillon"
    assert value_text("invoices", "state", "issued") == "Émise"
    assert value_text("dossiers", "status", "someday") == "someday"  # a newer version's


def _members_of_enum_columns():
    for table in TREE:
        for column in Base.metadata.tables[table].columns:
            members = getattr(column.type, "enum_class", None)
            if members is not None:
                yield table, column.name, members


@pytest.mark.parametrize(("table", "column", "members"), list(_members_of_enum_columns()))
def test_every_enum_column_reads_its_own_enum(table, column, members: type[enum.Enum]):
    for member in members:
        expected = INVOICE_STATES[member.value] if members is InvoiceState else member.label
        assert value_text(table, column, member) == expected
        assert value_text(table, column, member.value) == expected


def test_referential_ids_read_their_name_or_their_number():
    names = {
        "users": {3: "DUPONT Marie"},
        "banks": {7: "Crédit Agricole"},
        "steps": {2: "Accord de principe"},
        "required_documents": {5: "Avis d'imposition"},
    }
    assert value_text("dossiers", "owner_id", 3, names) == "DUPONT Marie"
    assert value_text("comments", "author_id", 3, names) == "DUPONT Marie"
    assert value_text("documents", "added_by", 3, names) == "DUPONT Marie"
    assert value_text("invoices", "broker_id", 3, names) == "DUPONT Marie"
    assert value_text("simulation_lines", "bank_id", 7, names) == "Crédit Agricole"
    assert value_text("dossiers", "step_id", 2, names) == "Accord de principe"
    assert value_text("documents", "requirement_id", 5, names) == "Avis d'imposition"
    # Not named (a user deleted since, or no names given): its number.
    assert value_text("dossiers", "owner_id", 12, names) == "n° 12"
    assert value_text("dossiers", "owner_id", 12) == "n° 12"
    assert value_text("dossiers", "provenance_id", 4, names) == "n° 4"
    assert value_text("dossiers", "referrer_id", None, names) == "(vide)"


def test_rich_text_reads_as_its_words_shortened():
    note = "<p>Client <b>pressé</b> &amp; <i>sérieux</i></p><p></p><ul><li>Appeler lundi</li></ul>"
    assert value_text("dossiers", "internal_note", note) == "Client pressé & sérieux\nAppeler lundi"
    assert value_text("comments", "body", "<p>Garde alternée de Léa</p>") == (
        "Garde alternée de Léa"
    )
    long = "<p>" + "mot " * 200 + "</p>"
    shown = value_text("comments", "body", long)
    assert len(shown) <= MAX_TEXT == 300
    assert shown.endswith("…") and shown.startswith("mot mot")
    assert "<" not in shown


def test_long_plain_text_is_shortened_too():
    shown = value_text("bank_submissions", "comment", "x" * 1000)
    assert shown == "x" * 299 + "…"
    assert value_text("bank_submissions", "comment", "x" * 300) == "x" * 300


def test_the_other_values_as_shown():
    assert value_text("simulation_covers", "guarantees", "dc,ptia,itt") == "DC, PTIA, ITT"
    assert value_text("simulation_covers", "borrower_rank", 2) == "Co-emprunteur"
    assert value_text("documents", "borrower_rank", 0) == "Tout le dossier"
    assert value_text("borrowers", "rank", 1) == "Porteur de projet"
    assert value_text("documents", "content_hash", "ab" * 32) == "abababababab…"
    assert value_text("invoices", "credits_id", 41, {"invoices": {41: "F-2026-0007"}}) == (
        "F-2026-0007"
    )


def test_rows_say_which_row_they_are():
    assert row_label("dossiers", {"number": "2026-0012"}) == "Dossier"
    assert row_label("projects", {}) == "Projet"
    assert row_label("borrowers", {"rank": 1, "last_name": "Dupont"}) == "Porteur de projet"
    assert row_label("borrowers", {"rank": 2}) == "Co-emprunteur"
    assert row_label("children", {"first_name": "Léa"}) == "Enfant Léa"
    assert row_label("children", {"first_name": ""}) == "Enfant"
    assert row_label("comments", {"created_at": dt.datetime(2026, 12, 1, 9, 30)}) == (
        "Commentaire du 01/12/2026"
    )
    assert row_label("comments", {"created_at": "2026-12-01T09:30:00", "rule_key": "x"}) == (
        "Commentaire automatique du 01/12/2026"
    )
    assert row_label(
        "step_changes", {"step_name": "Accord de principe", "changed_at": "2026-11-20 10:00:00"}
    ) == ("Étape « Accord de principe » du 20/11/2026")
    assert row_label("simulations", {"name": "Plan A"}) == "Simulation « Plan A »"
    assert row_label("simulation_lines", {"position": 2}) == "Ligne 2 de la simulation"
    assert row_label("simulation_covers", {"borrower_rank": 2}) == "Assurance (co-emprunteur)"
    assert row_label("current_loans", {"lender": "Cetelem"}) == "Crédit en cours Cetelem"
    assert row_label("monthly_charges", {"kind": "rent", "label": ""}) == "Charge mensuelle Loyer"
    assert row_label("monthly_charges", {"kind": "other", "label": "Parking"}) == (
        "Charge mensuelle Autre charge « Parking »"
    )
    assert row_label("real_estate", {"description": "T2 Lyon"}) == "Bien immobilier « T2 Lyon »"
    assert row_label("savings", {"kind": "pel"}) == "Épargne PEL / CEL"
    assert row_label("documents", {"title": "Avis d'imposition"}) == (
        "Document « Avis d'imposition »"
    )
    assert row_label("bank_submissions", {"bank_name": "Crédit Agricole"}) == (
        "Envoi en banque Crédit Agricole"
    )
    assert row_label("payments", {"paid_on": dt.date(2026, 11, 3), "amount_cents": 1}) == (
        "Règlement du 03/11/2026"
    )
    assert row_label("payments", {"paid_on": "2026-11-03", "amount_cents": -100}) == (
        "Remboursement du 03/11/2026"
    )


def test_invoices_are_named_as_printed():
    issued = {"kind": "fees", "number": "F-2026-0007", "credits_id": None, "total_cents": 120}
    assert row_label("invoices", issued) == "Facture F-2026-0007"
    assert row_label("invoices", {**issued, "number": None}) == "Facture (brouillon)"
    assert row_label("invoices", {**issued, "number": "A-2026-0002", "credits_id": 4}) == (
        "Avoir A-2026-0002"
    )
    rebate = {**issued, "kind": "rebate", "number": "R-2026-0004"}
    assert row_label("invoices", rebate) == "Ristourne R-2026-0004"


def test_a_ticked_piece_is_named_when_its_name_is_given():
    tick = {"requirement_id": 5, "borrower_rank": 2}
    assert row_label("requirement_ticks", tick) == "Pièce à fournir n° 5 (co-emprunteur)"
    names = {"required_documents": {5: "Bulletins de salaire"}}
    assert row_label("requirement_ticks", tick, names) == (
        "Pièce à fournir « Bulletins de salaire » (co-emprunteur)"
    )
    assert row_label("requirement_ticks", {"requirement_id": 5, "borrower_rank": 0}, names) == (
        "Pièce à fournir « Bulletins de salaire »"
    )


def test_every_row_of_the_tree_has_a_label_even_with_nothing_in_it():
    for table in TREE:
        assert row_label(table, {}).strip()


def test_rows_accept_enum_members_as_well_as_their_values():
    assert row_label("invoices", {"kind": InvoiceKind.REBATE, "number": "R-1"}) == "Ristourne R-1"
    assert row_label("monthly_charges", {"kind": ChargeKind.ALIMONY}) == (
        "Charge mensuelle Pension alimentaire versée"
    )
    assert row_label("savings", {"kind": SavingsKind.PEA}) == "Épargne PEA"
