"""The demo's households: borrowers of plausible ages, each with a job held under a contract
that job is held under and paid what it pays, and children the parents' ages allow."""

from __future__ import annotations

import datetime as dt
import functools
import random

from app.demo.words import (
    CHILD_NAMES,
    CITIES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    JOBLESS,
    JOBS,
    LAST_NAMES,
    RETIRED_JOB,
    STREETS,
)
from app.text import fold
from app.text import person_name as _person_name
from models.enums import Contract, MaritalStatus, MatrimonialRegime

person_name = functools.lru_cache(maxsize=None)(_person_name)  # few distinct names

_ASCII: dict[str, str] = {}


def _ascii(text: str) -> str:
    """«Éloïse.Lefèvre» → «eloise.lefevre» for e-mail addresses (cached: few distinct names)."""
    if text not in _ASCII:
        _ASCII[text] = "".join(c for c in fold(text) if c.isalnum() or c in ".-").replace(" ", "")
    return _ASCII[text]


_YEAR = 365
_JOB_WEIGHTS = [job[6] for job in JOBS]
_COUPLE_STATUSES = (MaritalStatus.MARRIED, MaritalStatus.PACS, MaritalStatus.COHABITING)
_SINGLE_STATUSES = (
    MaritalStatus.SINGLE,
    MaritalStatus.DIVORCED,
    MaritalStatus.SEPARATED,
    MaritalStatus.WIDOWED,
)
_REGIMES = (
    MatrimonialRegime.COMMUNITY,
    MatrimonialRegime.SEPARATION,
    MatrimonialRegime.PARTICIPATION,
    MatrimonialRegime.UNIVERSAL,
)
# How long ago a job began, by contract (days): a trial period is weeks old, a fixed-term
# or temporary contract months; a business has the three years of accounts banks ask for.
_SINCE = {
    Contract.CDI_TRIAL: (20, 110),
    Contract.CDD: (30, 540),
    Contract.INTERIM: (60, 720),
    Contract.SELF_EMPLOYED: (3 * _YEAR, 25 * _YEAR),
    Contract.COMPANY_HEAD: (3 * _YEAR, 25 * _YEAR),
}
RETIREMENT_AGE = 62


def age_on(birth: dt.date, today: dt.date) -> int:
    return (today - birth).days // _YEAR


class HouseholdMaker:
    """Borrowers and children (a part of DossierGenerator)."""

    rng: random.Random
    today: dt.date
    next_child_id: int

    def _borrowers(self, dossier_id: int) -> list[dict]:
        rng = self.rng
        female = rng.random() < 0.5
        last = rng.choice(LAST_NAMES)
        first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
        couple = rng.random() < 0.6
        status = (
            rng.choices(_COUPLE_STATUSES, (55, 25, 20))[0]
            if couple
            else rng.choices(_SINGLE_STATUSES, (60, 25, 10, 5))[0]
        )
        regime = (
            rng.choices(_REGIMES, (80, 15, 3, 2))[0] if status is MaritalStatus.MARRIED else None
        )
        # Most buyers are in their thirties; the oldest still repay before 80.
        birth = self.today - dt.timedelta(
            days=int(rng.triangular(23 * _YEAR, 65 * _YEAR, 31 * _YEAR))
        )
        people = [
            {
                "dossier_id": dossier_id,
                "rank": 1,
                "civility": "Mme" if female else "M.",
                "first_name": first,
                "last_name": last,
                **self._details(female, first, last, status, regime, birth, None),
            }
        ]
        if couple:
            co_female = not female if rng.random() < 0.9 else female
            co_last = (
                last
                if status is MaritalStatus.MARRIED and rng.random() < 0.8
                else rng.choice(LAST_NAMES)
            )
            co_first = rng.choice(FIRST_NAMES_F if co_female else FIRST_NAMES_M)
            # A partner of about the same age, between 21 and 65 as well.
            co_birth = min(
                self.today - dt.timedelta(days=21 * _YEAR),
                max(
                    self.today - dt.timedelta(days=65 * _YEAR),
                    birth + dt.timedelta(days=rng.randrange(-6 * _YEAR, 6 * _YEAR)),
                ),
            )
            people.append(
                {
                    "dossier_id": dossier_id,
                    "rank": 2,
                    "civility": "Mme" if co_female else "M.",
                    "first_name": co_first,
                    "last_name": co_last,
                    **self._details(
                        co_female,
                        co_first,
                        co_last,
                        status,
                        regime,
                        co_birth,
                        people[0]["net_monthly_income_cents"],
                    ),
                }
            )
            for shared in ("address", "postal_code", "city"):  # a couple lives together
                people[1][shared] = people[0][shared]
        return people

    def _details(
        self,
        female: bool,
        first: str,
        last: str,
        status: MaritalStatus,
        regime: MatrimonialRegime | None,
        birth: dt.date,
        partner_income: int | None,
    ) -> dict:
        """A borrower's situation: birth, address, contact, job and income. A retiree past
        62 now and then; between two jobs only beside a partner who earns well."""
        rng = self.rng
        age = age_on(birth, self.today)
        if age >= RETIREMENT_AGE and rng.random() < 0.7:
            job = RETIRED_JOB
        elif partner_income is not None and partner_income >= 3000_00 and rng.random() < 0.03:
            job = JOBLESS
        else:
            job = rng.choices(JOBS, _JOB_WEIGHTS)[0]
        masculine, feminine, employer, contracts, low, high, _weight = job
        contract = (
            contracts[0][0]
            if len(contracts) == 1
            else rng.choices([c for c, _w in contracts], [w for _c, w in contracts])[0]
        )
        since = None
        if contract not in (Contract.RETIRED, Contract.UNEMPLOYED):
            worked = max(61, (self.today - birth).days - 18 * _YEAR)  # since 18 at most
            shortest, longest = _SINCE.get(contract, (200, worked))
            longest = min(longest, worked)
            since = self.today - dt.timedelta(
                days=rng.randrange(min(shortest, longest - 1), longest)
            )
        postal_code, city = rng.choice(CITIES)
        email_name = _ascii(f"{first}.{last}")
        return {
            "birth_name": "",
            "birth_date": birth,
            "birth_place": rng.choice(CITIES)[1],
            "nationality": "Française",
            "marital_status": status,
            "matrimonial_regime": regime,
            "address": f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
            "postal_code": postal_code,
            "city": city,
            "phone": "0"
            + rng.choice("67")
            + "".join(f" {rng.randrange(100):02d}" for _ in range(4)),
            "email": f"{email_name}@exemple.fr",
            "profession": feminine if female else masculine,
            "employer": employer.replace("{last}", last),
            "contract": contract,
            "employed_since": since,
            "net_monthly_income_cents": rng.randrange(low, high + 1, 10) * 100 if high else None,
            "other_income_cents": None,
            "rental_income_cents": rng.randrange(400, 1500) * 100 if rng.random() < 0.1 else None,
        }

    def _child_ages(self, borrowers: list[dict]) -> tuple[int, int] | None:
        """The ages (in days) a child of the main borrower may have, or None."""
        parent = (self.today - borrowers[0]["birth_date"]).days
        oldest = min(20 * _YEAR, parent - 18 * _YEAR)
        youngest = max(100, parent - 45 * _YEAR)
        return (youngest, oldest) if youngest < oldest else None

    def _children(self, dossier_id: int, borrowers: list[dict], count: int) -> list[dict]:
        """`count` children, born when their parent was 18 to 45, and 20 at most."""
        rng = self.rng
        separated = borrowers[0]["marital_status"] in (
            MaritalStatus.DIVORCED,
            MaritalStatus.SEPARATED,
        )
        ages = self._child_ages(borrowers)
        children: list[dict] = []
        if ages is None:
            return children
        youngest, oldest = ages
        for _ in range(count):
            children.append(
                {
                    "id": self.next_child_id,
                    "dossier_id": dossier_id,
                    "first_name": rng.choice(CHILD_NAMES),
                    "birth_date": self.today - dt.timedelta(days=rng.randrange(youngest, oldest)),
                    "dependent": True,
                    "alternating_custody": separated and rng.random() < 0.5,
                }
            )
            self.next_child_id += 1
        return children
