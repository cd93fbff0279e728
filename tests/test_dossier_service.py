"""Use cases of the client file, at service level (no screen)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dossier.dossier_service import DossierDate, DossierFlag
from app.errors import ConflictError, DomainError, NotFound, PermissionDenied
from app.listing import ListQuery, ListTab
from models.dossier import Borrower, Document, Dossier, Simulation, StepChange
from models.enums import AbandonReason, AuditAction, DossierStatus
from tests.helpers import (
    audit_events,
    count_rows,
    flags,
    new_dossier,
    stored_hashes,
    with_documents_and_simulations,
)

# Run on the SQLite file and on a PostgreSQL server (tests/conftest.py, issue 11).
BOTH_ENGINES = True


def test_create_numbers_the_dossier_and_starts_its_pipeline(workspace):
    detail = new_dossier(workspace, co_last_name="Martin", co_first_name="Paul")
    assert detail.number.startswith(f"{dt.date.today().year}-")
    assert detail.holder_name == "QUÉNÉHERVÉ Éloïse"
    assert detail.household == "Deux emprunteurs"
    assert detail.current_step.name == "Client créé" and detail.current_step.percent == 10
    assert [h.step_name for h in detail.history] == ["Client créé"]
    assert detail.created_on == dt.date.today()
    assert audit_events(workspace, detail.id)[-1].action is AuditAction.DOSSIER_CREATED
    rows = workspace.list_page(ListQuery(tab=ListTab.CLIENTS, search="eloise queneherve"), 0, 10)
    assert [r.id for r in rows] == [detail.id]


def test_create_refuses_missing_name_and_provenance(workspace):
    with pytest.raises(DomainError, match="nom du porteur") as error:
        new_dossier(workspace, last_name="  ")
    assert error.value.field == "last_name"
    with pytest.raises(DomainError, match="provenance"):
        new_dossier(workspace, provenance_id=None)
    with pytest.raises(DomainError, match="co-emprunteur"):
        new_dossier(workspace, co_first_name="Paul")


def test_flags_are_saved_at_once(workspace, service):
    detail = new_dossier(workspace)
    for flag in DossierFlag:
        detail = service.set_flag(detail.id, detail.version, flag, True)
    fresh = service.get(detail.id)
    assert flags(fresh) == (True, True, True, True, True)
    detail = service.set_flag(detail.id, detail.version, DossierFlag.NO_FEES, False)
    assert service.get(detail.id).no_fees is False


def test_renumber_checks_uniqueness_and_emptiness(workspace, service):
    first, second = new_dossier(workspace), new_dossier(workspace, "Durand")
    with pytest.raises(DomainError, match="déjà utilisé"):
        service.renumber(second.id, second.version, first.number)
    with pytest.raises(DomainError, match="vide"):
        service.renumber(second.id, second.version, "   ")
    assert service.get(second.id) == second  # nothing changed
    renumbered = service.renumber(second.id, second.version, " AG-2026-001 ")
    assert renumbered.number == "AG-2026-001"
    event = audit_events(workspace, second.id)[-1]
    assert event.action is AuditAction.DOSSIER_RENUMBERED
    assert event.details == f"{second.number} → AG-2026-001"
    # the search follows the new number
    assert [r.id for r in workspace.list_page(ListQuery(search="ag-2026"), 0, 5)] == [second.id]


def test_change_owner_to_an_active_broker_only(workspace, service):
    detail = new_dossier(workspace)
    brokers = {c.label: c.id for c in workspace.office.active_brokers()}
    assert "Élodie Brunet" not in brokers  # inactive: not offered
    moved = service.change_owner(detail.id, detail.version, brokers["Sophie Legrand"])
    assert moved.owner.label == "Sophie Legrand"
    assert audit_events(workspace, detail.id)[-1].details == "admin → slegrand"
    with workspace.database.read() as session:
        from sqlalchemy import select

        from models.office import User

        inactive = session.scalar(select(User.id).where(User.login == "ebrunet"))
    with pytest.raises(DomainError, match="courtier actif"):
        service.change_owner(moved.id, moved.version, inactive)


def test_provenance_and_referrer_are_set_changed_and_removed_together(workspace, service):
    detail = new_dossier(workspace)
    provenances = {c.label: c.id for c in workspace.office.active_provenances()}
    referrers = workspace.office.active_referrers()
    changed = service.change_provenance(
        detail.id,
        detail.version,
        provenances["Apporteur d'affaires"],
        " salon  2026 ",
        referrers[0].id,
    )
    assert changed.provenance.label == "Apporteur d'affaires"
    assert changed.provenance_detail == "salon 2026"
    assert changed.referrer == referrers[0]
    changed = service.change_provenance(
        changed.id, changed.version, provenances["Notaire"], "", referrers[1].id
    )
    assert changed.referrer == referrers[1]
    removed = service.change_provenance(
        changed.id, changed.version, provenances["Notaire"], "", None
    )
    assert removed.referrer is None
    assert [e.action for e in audit_events(workspace, detail.id)].count(
        AuditAction.PROVENANCE_CHANGED
    ) == 3


def test_steps_move_forward_and_back_with_dated_history(workspace, service):
    detail = new_dossier(workspace)
    detail = service.move_step(detail.id, detail.version, 1)
    detail = service.move_step(detail.id, detail.version, 1)
    assert detail.current_step.name == "Accord de principe"
    detail = service.move_step(detail.id, detail.version, -1)
    assert detail.current_step.name == "RDV banque"
    assert [h.step_name for h in detail.history] == [
        "Client créé",
        "RDV banque",
        "Accord de principe",
        "RDV banque",
    ]
    assert all(h.user_name == "Claire Marchetti" for h in detail.history)
    first = service.move_step(detail.id, detail.version, -1)
    with pytest.raises(DomainError, match="première étape"):
        service.move_step(first.id, first.version, -1)
    rows = workspace.list_page(ListQuery(search=first.number), 0, 5)
    assert rows[0].step == "Client créé" and rows[0].percent == 10


def test_dates_are_checked_against_the_creation_date(workspace, service):
    detail = new_dossier(workspace, created_on=dt.date(2026, 3, 1))
    detail = service.set_date(
        detail.id, detail.version, DossierDate.OFFER_SIGNED, dt.date(2026, 4, 2)
    )
    with pytest.raises(DomainError, match="antérieure à la date de création"):
        service.set_date(detail.id, detail.version, DossierDate.DEED_SIGNED, dt.date(2026, 2, 28))
    with pytest.raises(DomainError, match="précéder la signature de l'offre"):
        service.set_date(detail.id, detail.version, DossierDate.DEED_SIGNED, dt.date(2026, 4, 1))
    with pytest.raises(DomainError, match="obligatoire"):
        service.set_date(detail.id, detail.version, DossierDate.CREATED, None)
    assert service.get(detail.id).deed_signed_on is None
    detail = service.set_date(
        detail.id, detail.version, DossierDate.DEED_SIGNED, dt.date(2026, 5, 12)
    )
    detail = service.set_date(
        detail.id, detail.version, DossierDate.CLIENT_AGREEMENT, dt.date(2026, 3, 15)
    )
    detail = service.set_date(detail.id, detail.version, DossierDate.CLIENT_AGREEMENT, None)
    fresh = service.get(detail.id)
    assert (fresh.offer_signed_on, fresh.deed_signed_on, fresh.client_agreement_on) == (
        dt.date(2026, 4, 2),
        dt.date(2026, 5, 12),
        None,
    )


def test_internal_note_is_sanitised_and_keeps_emoji(workspace, service):
    detail = new_dossier(workspace)
    saved = service.save_note(
        detail.id,
        detail.version,
        '<p><span style="font-weight:700">RDV</span> 😀 <script>x</script></p>',
    )
    assert saved.internal_note == "<p><b>RDV</b> 😀 </p>"
    with pytest.raises(DomainError, match="trop longue"):
        service.save_note(saved.id, saved.version, "<p>" + "a" * 250_000 + "</p>")


def test_abandon_makes_the_dossier_read_only(workspace, service):
    detail = new_dossier(workspace)
    with pytest.raises(DomainError, match="Précisez"):
        service.abandon(detail.id, detail.version, AbandonReason.OTHER, "")
    abandoned = service.abandon(detail.id, detail.version, AbandonReason.OTHER, "Mutation à Lyon")
    assert abandoned.status is DossierStatus.ABANDONED
    assert abandoned.abandon_label == "Autre : Mutation à Lyon"
    assert abandoned.abandoned_on == dt.date.today()
    with pytest.raises(DomainError, match="lecture seule"):
        service.set_flag(abandoned.id, abandoned.version, DossierFlag.COMPLETE, True)
    with pytest.raises(DomainError, match="lecture seule"):
        service.move_step(abandoned.id, abandoned.version, 1)
    with pytest.raises(DomainError, match="lecture seule"):
        service.save_note(abandoned.id, abandoned.version, "<p>x</p>")
    event = audit_events(workspace, detail.id)[-1]
    assert event.action is AuditAction.DOSSIER_ABANDONED
    assert event.details == "Autre" and "Lyon" not in event.details  # no free text in the log
    tab = workspace.list_page(ListQuery(tab=ListTab.ABANDONED, search=detail.number), 0, 5)
    assert [r.id for r in tab] == [detail.id]
    assert workspace.list_page(ListQuery(tab=ListTab.CLIENTS, search=detail.number), 0, 5) == []


def test_resume_deletes_simulations_documents_and_pipeline(workspace, service, tmp_path):
    detail = with_documents_and_simulations(workspace, new_dossier(workspace), tmp_path)
    detail = service.set_date(
        detail.id, detail.version, DossierDate.CLIENT_AGREEMENT, dt.date.today()
    )
    assert stored_hashes(workspace)
    abandoned = service.abandon(detail.id, detail.version, AbandonReason.BANK_REFUSAL)
    new_date = dt.date.today() - dt.timedelta(days=2)
    resumed = service.resume(abandoned.id, abandoned.version, DossierStatus.PROSPECT, new_date)
    assert resumed.status is DossierStatus.PROSPECT
    assert resumed.created_on == new_date
    assert resumed.simulations == () and resumed.document_count == 0
    assert [h.step_name for h in resumed.history] == ["Client créé"]
    assert resumed.client_agreement_on is None and resumed.abandon_reason is None
    assert count_rows(workspace, Simulation, dossier_id=detail.id) == 0
    assert count_rows(workspace, Document, dossier_id=detail.id) == 0
    assert not stored_hashes(workspace)
    assert count_rows(workspace, Borrower, dossier_id=detail.id) == 1  # borrowers are kept
    assert audit_events(workspace, detail.id)[-1].action is AuditAction.DOSSIER_RESUMED


def test_resume_refuses_a_dossier_that_is_not_abandoned(workspace, service):
    detail = new_dossier(workspace)
    with pytest.raises(DomainError, match="Seul un dossier abandonné"):
        service.resume(detail.id, detail.version, DossierStatus.CLIENT, dt.date.today())


def test_delete_removes_everything_and_leaves_only_the_number_in_the_log(
    workspace, service, tmp_path
):
    kept = with_documents_and_simulations(
        workspace, new_dossier(workspace, "Garde"), tmp_path, "shared.pdf"
    )
    detail = with_documents_and_simulations(
        workspace, new_dossier(workspace, "Efface"), tmp_path, "shared.pdf"
    )
    own = tmp_path / "own.pdf"
    own.write_bytes(b"only in the deleted dossier")
    workspace.documents.attach(detail.id, detail.version, [own])
    detail = service.get(detail.id)
    files_before = stored_hashes(workspace)
    assert len(files_before) == 2
    deleted = service.delete(detail.id)
    assert deleted.number == detail.number
    for model in (Borrower, Document, Simulation, StepChange):
        assert count_rows(workspace, model, dossier_id=detail.id) == 0
    assert count_rows(workspace, Dossier, id=detail.id) == 0
    files_after = stored_hashes(workspace)
    assert len(files_after) == 1  # the file shared with the kept dossier stays
    assert service.get(kept.id).document_count == 1
    event = audit_events(workspace, detail.id)[-1]
    assert (event.action, event.dossier_number, event.user_login, event.details) == (
        AuditAction.DOSSIER_DELETED,
        detail.number,
        "admin",
        "",
    )
    for event in audit_events(workspace, detail.id):
        assert "Efface".lower() not in (event.details or "").lower()
    with pytest.raises(NotFound):
        service.get(detail.id)


def test_a_stale_version_is_detected_not_overwritten(workspace, service):
    detail = new_dossier(workspace)
    service.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, True)
    with pytest.raises(ConflictError, match="modifié entre-temps"):
        service.set_flag(detail.id, detail.version, DossierFlag.COMPLETE, False)
    assert service.get(detail.id).is_complete is True


def test_a_failed_command_changes_nothing(workspace, service):
    first, second = new_dossier(workspace), new_dossier(workspace, "Petit")
    events = len(audit_events(workspace))
    with pytest.raises(DomainError):
        service.renumber(second.id, second.version, first.number)
    assert service.get(second.id) == second
    assert len(audit_events(workspace)) == events


# --- rights: each one is refused by the service, not only hidden -------------------------


def test_a_courtier_sees_only_his_dossiers(workspace, login_as):
    others = new_dossier(workspace)
    courtier = login_as("slegrand")
    with pytest.raises(NotFound):
        courtier.dossiers.get(others.id)
    with pytest.raises(NotFound):
        courtier.dossiers.set_flag(others.id, others.version, DossierFlag.COMPLETE, True)
    mine = new_dossier(courtier)
    rows = courtier.list_page(ListQuery(), 0, 500)
    assert mine.id in [r.id for r in rows]
    assert {r.owner for r in rows} == {"Sophie Legrand"}
    assert sum(courtier.tab_counts(ListQuery()).values()) < sum(
        workspace.tab_counts(ListQuery()).values()
    )
    assert [b.name for b in courtier.brokers()] == ["Sophie Legrand"]


def test_a_courtier_creates_dossiers_for_himself_only(workspace, login_as):
    courtier = login_as("slegrand")
    with pytest.raises(DomainError, match="pour vous-même"):
        new_dossier(courtier, owner_id=workspace.user.id)


@pytest.mark.parametrize(
    ("login", "command"),
    [
        ("slegrand", lambda s, d: s.renumber(d.id, d.version, "NOUVEAU-1")),
        ("slegrand", lambda s, d: s.change_owner(d.id, d.version, d.owner.id)),
        ("slegrand", lambda s, d: s.delete(d.id)),
        ("assistant", lambda s, d: s.abandon(d.id, d.version, AbandonReason.COMPETITION)),
        ("assistant", lambda s, d: s.delete(d.id)),
        ("assistant", lambda s, d: s.renumber(d.id, d.version, "NOUVEAU-1")),
    ],
)
def test_rights_are_enforced_by_the_service(login_as, login, command):
    user = login_as(login)
    owner = user if login == "slegrand" else login_as("admin")
    detail = new_dossier(owner, owner_id=owner.user.id)
    with pytest.raises(PermissionDenied, match="ne permet pas"):
        command(user.dossiers, detail)
    assert owner.dossiers.get(detail.id) == detail


def test_resume_needs_the_abandon_right(login_as):
    admin = login_as("admin")
    detail = new_dossier(admin)
    abandoned = admin.dossiers.abandon(detail.id, detail.version, AbandonReason.COMPETITION)
    with pytest.raises(PermissionDenied):
        login_as("assistant").dossiers.resume(
            abandoned.id, abandoned.version, DossierStatus.CLIENT, dt.date.today()
        )


def test_a_role_without_create_right_cannot_create(login_as):
    manager = login_as("pmoreau")
    new_dossier(manager)  # allowed
    from dataclasses import replace

    courtier = login_as("kbenali")
    courtier.user = replace(courtier.user, rights=frozenset())
    courtier._dossiers = None  # rebuild the service for the reduced rights
    with pytest.raises(PermissionDenied):
        new_dossier(courtier)
