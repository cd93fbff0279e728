"""The command line of «Emporter» / «Rapporter» (issue 11): `carry-out`, `carry-in` and
`carries`, for scripts and for an office's IT provider. They act with the user's rights,
as the screens do (`main.py` opens the office and hands the workspace over)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from app.errors import DomainError
from app.paths import OfficeLocation, ServerLocation, resolve_location

if TYPE_CHECKING:
    from app.carry.carry_service import CarryService, Progress
    from app.office.machine import MachineSettings


class Workspace(Protocol):
    """What these commands use of an opened office (`app.workspace.Workspace`)."""

    @property
    def carries(self) -> CarryService: ...

    @property
    def machine(self) -> MachineSettings: ...

    def close(self) -> None: ...


# (the office's location, login, password) → the workspace, logged in.
Opener = Callable[[OfficeLocation, str, str], Workspace]

# --keep's words → the choices' (`app.carry.carry_service.OFFICE` / `LAPTOP`).
KEEP = ("bureau", "portable")
UNSETTLED = 3  # the exit status when conflicts wait for a choice


def add_parsers(commands: argparse._SubParsersAction) -> None:
    out = commands.add_parser(
        "carry-out",
        help="emporter des dossiers du serveur du cabinet sur ce portable",
        description=(
            "Copie les dossiers choisis (entiers : ménage, simulations, documents, factures) "
            "du serveur du cabinet dans un fichier chiffré de ce poste ; au bureau ils restent "
            "en lecture seule jusqu'à leur retour (carry-in). Dossia s'ouvre ensuite sur eux."
        ),
    )
    out.add_argument("--db", metavar="postgresql://…", default=argparse.SUPPRESS)
    out.add_argument("--user", metavar="LOGIN", required=True)
    out.add_argument("--prefix", metavar="PRÉFIXE", required=True, help="préfixe de ce portable")
    chosen = out.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--numbers", metavar="NUMÉRO", nargs="+", help="les dossiers à emporter")
    chosen.add_argument(
        "--all-mine", action="store_true", help="tous vos dossiers en cours qui peuvent partir"
    )
    back = commands.add_parser(
        "carry-in",
        help="rapporter au serveur du cabinet les dossiers emportés sur ce portable",
        description=(
            "Applique au serveur, en une seule transaction, ce qui a changé sur ce portable. "
            "Un champ changé aussi au bureau (après une reprise par un responsable) est un "
            "conflit : sans --keep, ils sont listés et rien n'est écrit (code de sortie 3)."
        ),
    )
    back.add_argument("--db", metavar="FICHIER", default=argparse.SUPPRESS)
    back.add_argument("--user", metavar="LOGIN", required=True)
    back.add_argument(
        "--keep",
        choices=KEEP,
        help="pour chaque conflit, garder la version du bureau ou celle du portable",
    )
    back.add_argument("--dry-run", action="store_true", help="montrer ce qui serait fait")
    listing = commands.add_parser(
        "carries", help="lister les dossiers emportés sur des portables (et forcer un retour)"
    )
    listing.add_argument("--db", metavar="postgresql://…", default=argparse.SUPPRESS)
    listing.add_argument("--user", metavar="LOGIN", required=True)
    listing.add_argument("--force-back", metavar="N", type=int, help="reprendre ce départ")


def run(args: argparse.Namespace, logged_in: Opener, password_of: Callable[[str], str]) -> int:
    """One of the three commands; 0 done, 2 refused (a French message), 3 conflicts wait."""
    try:
        location = resolve_location(getattr(args, "db", None))
        password = password_of(args.user)  # asked once: the login, and the laptop's key
        with contextlib.closing(logged_in(location, args.user, password)) as workspace:
            if args.command == "carry-out":
                return _carry_out(args, workspace, password)
            if args.command == "carry-in":
                return _carry_in(args, workspace)
            return _carries(args, workspace)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2


def _progress(what: str) -> Progress:
    shown = -1

    def tell(done: int, total: int) -> bool:
        nonlocal shown
        percent = 100 * done // max(total, 1)
        if percent != shown and sys.stderr.isatty():
            print(f"\r{what}… {percent} %", end="", file=sys.stderr, flush=True)
        shown = percent
        return True

    return tell


def _carry_out(args: argparse.Namespace, workspace: Workspace, password: str) -> int:
    carries = workspace.carries
    chosen = carries.candidates(() if args.all_mine else args.numbers)
    if not chosen:
        raise DomainError("Aucun de vos dossiers en cours ne peut être emporté.")
    out = carries.check_out(
        [candidate.id for candidate in chosen], password, args.prefix, _progress("Départ")
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{out.carry.summary}.")
    print(f"{out.documents} document(s) copié(s). Fichier chiffré : {out.file}")
    print("Dossia s'ouvrira désormais sur ces dossiers, jusqu'à leur retour (carry-in).")
    return 0


def _carry_in(args: argparse.Namespace, workspace: Workspace) -> int:
    carries = workspace.carries
    carry = carries.laptop_carry()
    if carry is None:
        raise DomainError("Ce cabinet ne contient pas de dossiers emportés.")
    server = resolve_location(carry.server)
    assert isinstance(server, ServerLocation)
    plan = carries.plan_return(server)
    print(
        f"{plan.dossiers} dossier(s) emporté(s), {plan.changed_dossiers} modifié(s) sur ce "
        f"portable, {plan.new_dossiers} créé(s) hors du bureau."
    )
    if plan.blocked:
        raise DomainError(plan.blocked)
    for conflict in plan.conflicts:
        print(
            f"Conflit — {conflict.dossier_number} — {conflict.what} : au bureau « "
            f"{conflict.office} », sur ce portable « {conflict.laptop} »"
        )
    if args.dry_run:
        return 0
    if plan.conflicts and not args.keep:
        print(
            f"{len(plan.conflicts)} conflit(s) à trancher : relancez avec --keep bureau ou "
            "--keep portable (ou rapportez depuis Dossia, champ par champ). Rien n'a été écrit.",
            file=sys.stderr,
        )
        return UNSETTLED
    from app.carry.carry_service import LAPTOP, OFFICE

    kept = OFFICE if args.keep == "bureau" else LAPTOP
    choices = {conflict.key: kept for conflict in plan.conflicts} if args.keep else {}
    returned = carries.bring_back(server, choices, _progress("Retour"))
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"Dossiers rapportés au bureau : {returned.changes} changement(s) appliqué(s), "
        f"{returned.conflicts} conflit(s) tranché(s)."
    )
    if returned.kept_file is not None:
        print(f"Le fichier du portable est conservé en lecture seule : {returned.kept_file}")
    return 0


def _carries(args: argparse.Namespace, workspace: Workspace) -> int:
    carries = workspace.carries
    if args.force_back is not None:
        info = carries.force_back(args.force_back)
        print(f"Repris : {info.summary}.")
        return 0
    listed = carries.carries()
    if not listed:
        print("Aucun dossier n'est emporté.")
    for info in listed:
        print(f"{info.id}\t{info.summary} (préfixe {info.prefix})")
    return 0
