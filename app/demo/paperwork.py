"""The demo dossiers' paperwork: the pieces the household sent, and once the funds are
released, the office's invoices and their payments (a part of DossierGenerator)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from app.demo.household import person_name
from app.documents.checklist import BorrowerFacts, DossierFacts, Requirement, expected
from app.invoicing.invoices import series_of, vat_of
from models.enums import (
    DocumentFolder,
    InvoiceKind,
    InvoiceState,
    PaymentMeans,
    RequirementRule,
    SimulationStatus,
    SubmissionStatus,
)

if TYPE_CHECKING:
    from app.demo.generator import DemoOffice


class PaperworkMaker:
    rng: random.Random
    today: dt.date
    office: DemoOffice
    next_invoice_id: int
    _requirements: list[Requirement] | None = None
    # By piece's label, the sample file that answers it (or None)
    _samples: dict[str, tuple[str, int, str, str] | None]

    def _invoices(
        self,
        dossier: dict,
        borrowers: list[dict],
        simulations: list[dict],
        submissions: list[dict],
    ) -> tuple[list[dict], list[dict]]:
        """Once the funds are released: the fees to the client, the commission to the bank
        retained, the apporteur's rebate — each paid some days later (numbered afterwards,
        in the order of their dates)."""
        released = dossier["funds_released_on"]
        if released is None:
            return [], []
        rng, office, today = self.rng, self.office, self.today
        plan = next(
            (s for s in reversed(simulations) if s["status"] is SimulationStatus.CLIENT_VALIDATED),
            simulations[-1] if simulations else None,
        )
        main = borrowers[0]
        share = office.rebates.get(dossier["referrer_id"]) if dossier["referrer_id"] else None
        invoices: list[dict] = []
        payments: list[dict] = []

        def add(kind, day, name, address, business, description, amount, bank=None, referrer=None):
            siren, vat_rate, terms = "", 0, {}
            if bank is not None:
                address, siren = office.bank_identity.get(bank, ("", ""))
            elif referrer is not None and share is not None:
                address, siren = share.address, share.siren
                if share.company:  # self-billed under the apporteur's mandate, its VAT
                    vat_rate = share.vat_rate_bp
                    terms = {
                        "vat_mention": share.vat_mention,
                        "recipient_vat_number": share.vat_number,
                        "billing_mandate_on": share.mandate_on,
                    }
            vat = vat_of(amount, vat_rate)
            invoice_id = self.next_invoice_id
            self.next_invoice_id += 1
            invoices.append(
                {
                    "id": invoice_id,
                    "dossier_id": dossier["id"],
                    "dossier_number": dossier["number"],
                    "kind": kind,
                    "state": InvoiceState.ISSUED,
                    "credits_id": None,
                    "series": series_of(kind, False, "", day.year),
                    "sequence": None,
                    "number": None,
                    "issued_on": day,
                    "due_on": day + dt.timedelta(days=30),
                    "payment_days": 30,
                    "service_on": released,
                    "recipient_name": name,
                    "recipient_address": address,
                    "recipient_siren": siren,
                    "recipient_is_business": business,
                    "bank_id": bank,
                    "referrer_id": referrer,
                    "description": description,
                    "amount_cents": amount,
                    "vat_rate_bp": vat_rate,
                    "vat_cents": vat,
                    "total_cents": amount + vat,
                    "recipient_vat_number": "",
                    "vat_mention": "",
                    "billing_mandate_on": None,
                    **terms,
                    "paid_cents": 0,
                    "credited_cents": 0,
                    "created_at": dt.datetime.combine(day, dt.time(11)),
                    "created_by": dossier["owner_id"],
                    "broker_id": dossier["owner_id"],
                    "seller": "",
                }
            )
            paid_on = day + dt.timedelta(days=rng.randrange(3, 50))
            if paid_on > today or rng.random() >= 0.9:
                return
            amount += vat  # paid all taxes included
            # A household pays its fees in two cheques now and then.
            second = paid_on + dt.timedelta(days=rng.randrange(20, 40))
            parts = (
                [(paid_on, amount - amount // 2), (second, amount // 2)]
                if not business and second <= today and rng.random() < 0.2
                else [(paid_on, amount)]
            )
            invoices[-1]["paid_cents"] = amount
            for when, part in parts:
                payments.append(
                    {
                        "invoice_id": invoice_id,
                        "paid_on": when,
                        "amount_cents": part,
                        "means": rng.choice((PaymentMeans.TRANSFER, PaymentMeans.CHEQUE))
                        if not business
                        else PaymentMeans.TRANSFER,
                        "reference": "",
                        "created_at": dt.datetime.combine(when, dt.time(15)),
                        "created_by": dossier["owner_id"],
                    }
                )

        fees = plan["brokerage_fees_cents"] if plan else 0
        if not dossier["no_fees"] and fees:
            add(
                InvoiceKind.FEES,
                released,
                # as the app's own proposal names the client: every borrower
                " et ".join(person_name(b["first_name"], b["last_name"]) for b in borrowers),
                f"{main['address']} {main['postal_code']} {main['city']}",
                False,
                f"Honoraires de courtage en opérations de banque — dossier {dossier['number']}",
                fees,
            )
        accepted = next(
            (s for s in submissions if s["status"] is SubmissionStatus.OFFER_ACCEPTED), None
        )
        rate = office.commissions.get(accepted["bank_id"]) if accepted else None
        day = min(today, released + dt.timedelta(days=rng.randrange(1, 10)))
        if accepted and rate and not dossier["no_bank_commission"] and accepted["amount_cents"]:
            add(
                InvoiceKind.BANK_COMMISSION,
                day,
                accepted["bank_name"],
                "",
                True,
                f"Commission d'intermédiation — dossier {dossier['number']}",
                accepted["amount_cents"] * rate // 100_000,
                bank=accepted["bank_id"],
            )
        if share and fees and not dossier["no_rebate"] and (share.rate_mpct or share.fixed_cents):
            add(
                InvoiceKind.REBATE,
                released,
                share.name,
                share.address,
                share.company,
                f"Ristourne d'apporteur d'affaires — dossier {dossier['number']}",
                fees * share.rate_mpct // 100_000 if share.rate_mpct else share.fixed_cents,
                referrer=dossier["referrer_id"],
            )
        return invoices, payments

    def _documents(
        self,
        dossier_id: int,
        owner_id: int,
        created_on: dt.date,
        last_day: dt.date,
        step_index: int,
        borrowers: list[dict],
        project: dict,
        loans: list[dict],
    ) -> tuple[list[dict], list[dict]]:
        """The pieces the household has sent so far (more as the dossier moves on), each a
        sample file linked to the piece it answers; now and then a piece ticked by hand —
        all by `last_day` (today, or the day the dossier was abandoned)."""
        rng, office = self.rng, self.office
        if not office.requirements or (step_index == 0 and rng.random() < 0.6):
            return [], []
        facts = DossierFacts(
            borrowers=tuple(
                BorrowerFacts(
                    b["rank"],
                    person_name(b["first_name"], b["last_name"]),
                    b["contract"],
                    bool(b["rental_income_cents"]),
                )
                for b in borrowers
            ),
            nature=project["nature"],
            contribution=bool(project["contribution_cents"]),
            works=bool(project["works_cents"]),
            buy_back=any(loan["to_buy_back"] for loan in loans),
        )
        if self._requirements is None:  # the office's, once (not at each dossier)
            self._requirements = [
                Requirement(i, label, RequirementRule(rule), DocumentFolder(folder))
                for i, label, rule, folder in office.requirements
            ]
        share = min(1.0, 0.25 + 0.25 * step_index)
        documents, ticks = [], []
        samples = self._samples
        for item in expected(self._requirements, facts):
            if rng.random() > share:
                continue
            if item.label not in samples:  # the sample answering that piece, found once
                samples[item.label] = next(
                    (v for start, v in office.samples.items() if item.label.startswith(start)),
                    None,
                )
            sample = samples[item.label]
            day = created_on + dt.timedelta(days=rng.randrange(0, 20))
            day = min(day, last_day)  # nothing after an abandonment
            if sample is None:
                ticks.append(
                    {
                        "dossier_id": dossier_id,
                        "requirement_id": item.requirement_id,
                        "borrower_rank": item.borrower_rank,
                        "ticked_on": day,
                        "user_id": owner_id,
                    }
                )
                continue
            content_hash, size, filename, title = sample
            documents.append(
                {
                    "dossier_id": dossier_id,
                    "title": f"{title} — {item.borrower}" if item.borrower else title,
                    "filename": filename,
                    "content_hash": content_hash,
                    "size_bytes": size,
                    "created_at": dt.datetime.combine(day, dt.time(9 + rng.randrange(9))),
                    "folder": DocumentFolder.SUPPORTING,
                    "requirement_id": item.requirement_id,
                    "borrower_rank": item.borrower_rank,
                    "added_by": owner_id,
                }
            )
        return documents, ticks
