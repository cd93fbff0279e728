"""The commands of `python main.py COMMAND` (demo, backup, restore, backups, export-c1,
simulate, simulation-pdf, loan-request, invoices, migrate-to-server), run without a screen.

`main.py` parses the command line and imports this module only for a command: the window's
start neither compiles nor loads it (`python main.py` compiles its script at every start;
this module's bytecode is cached).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import os
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from app.carry import commands as carry_commands
from app.early import PASSWORD_ENV_VAR
from app.errors import DomainError, StorageError
from app.paths import (
    DataPaths,
    OfficeLocation,
    ServerLocation,
    resolve_location,
    resolve_paths,
)
from app.startup import (
    CreatedOffice,
    OfficeState,
    create_demo_office,
    create_demo_on_server,
    is_encrypted,
    is_unlocked,
    open_office,
    restore_into_new_office,
    save_recovery_kit,
    unlock,
    unlock_with_recovery,
    upgrade_office,
)
from app.storage import backup_files
from app.storage.conversion import finish_conversion
from app.storage.sqlite import check_database
from app.storage.sqlite_office import open_session
from app.text import format_amount, parse_amount
from app.workspace import OfficeDatabase, Workspace

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from app.storage.restore import RestoreResult


def run_backup_command(args: argparse.Namespace) -> int:
    location = resolve_location(args.db)
    if isinstance(location, ServerLocation):
        return run_server_backup_command(args, location)
    paths = location
    try:
        if args.command == "backups":
            for info in backup_files.list_backups(paths.backups):
                print(f"{info.label}\t{info.path}")
            return 0
        # A conversion killed before its renames is finished first; one running in a window
        # makes the command wait for it (its session mark tells the conversion the same).
        finish_conversion(paths)
        with open_session(paths):
            if args.command == "backup":
                if not args.out:
                    raise DomainError("Indiquez --out FICHIER : le fichier de sauvegarde à écrire.")
                if not paths.database.exists():
                    raise DomainError(f"La base « {paths.database} » n'existe pas.")
                unlock_encrypted(paths.database, args.user, args.recovery_key)
                check_database(paths.database, writable=False)
                info = backup_files.write_backup(
                    paths.database, Path(args.out).resolve(), paths.documents
                )
                print(f"{info.label} : {info.path}")
                return 0
            result = restore_as(paths, args.user, Path(args.source).resolve(), args.recovery_key)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    print(f"Restauré : {result.restored.label}.")
    if result.lost_numbers:
        print(result.lost_warning)
    if result.safety_backup:
        print(f"L'état précédent a été sauvegardé dans : {result.safety_backup.path}")
    return 0


def run_server_backup_command(args: argparse.Namespace, location: ServerLocation) -> int:
    """`backup`, `backups`, `restore` for an office on a server: pg_dump into this computer's
    folder for that server (or --out), the dumps listed there, pg_restore into an empty
    database. The server's password is the key (no Dossia user: a restore's database is
    empty)."""
    from app.storage.server_backups import back_up_server, list_dumps, restore_server

    folder = location.local_paths.backups
    try:
        if args.command == "backups":
            for info in list_dumps(folder):
                print(f"{info.label}\t{info.path}")
            return 0
        opening = open_office(location)
        if opening.password_refused and sys.stdin.isatty():
            typed = getpass.getpass(
                f"Mot de passe de {location.user or 'Dossia'} sur le serveur : "
            )
            location = location.with_password(typed)
            opening = open_office(location)
        if opening.busy:  # unreachable: a scheduled task tells «try again later»
            raise StorageError(opening.message)
        if args.command == "restore":
            if opening.state is not OfficeState.FIRST_START and opening.message:
                raise DomainError(opening.message)
            info = restore_server(location, Path(args.source).resolve())
            print(f"Restauré : {info.label}.")
            return 0
        if opening.state is OfficeState.FIRST_START:
            raise DomainError(
                f"{location.label[0].upper()}{location.label[1:]} est vide : rien à sauvegarder."
            )
        if opening.state not in (OfficeState.READY, OfficeState.UPGRADE):
            raise DomainError(opening.message)
        name = None
        if args.out:
            out = Path(args.out).resolve()
            folder, name = (out, None) if out.is_dir() else (out.parent, out.name)
        info = back_up_server(location, folder=folder, name=name)
    except StorageError as error:  # the server unreachable: try again later
        print(error.message, file=sys.stderr)
        return EXIT_STORAGE
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    print(f"{info.label} : {info.path}")
    return 0


def restore_as(
    paths: DataPaths, login: str | None, source: Path, recovery_key_file: str | None = None
) -> RestoreResult:
    """The `restore` command: as a user holding «Sauvegarder et restaurer», like the menu;
    into a data folder with no office yet (a new computer), with the backup's own keys."""
    if open_office(paths).state is OfficeState.FIRST_START:
        unlock_encrypted(source, login, recovery_key_file, "cette sauvegarde")
        return restore_into_new_office(paths, source)
    if not login:
        raise DomainError(
            "Indiquez --user : la restauration demande un utilisateur ayant le droit "
            "« Sauvegarder et restaurer »."
        )
    password = password_of(login)
    workspace = logged_in(paths, login, recovery_key_file, password)
    service = workspace.backups
    workspace.close()  # every connection closed before the file is replaced
    if is_encrypted(source) and not is_unlocked(source):
        # Another office's backup (or older keys): the same user's password, or the
        # recovery key given, may open it; if not, the restore says why.
        with contextlib.suppress(DomainError):
            if recovery_key_file:
                unlock_encrypted(source, None, recovery_key_file, "cette sauvegarde")
            else:
                unlock(source, login, password)
    return service.restore(source)


@contextlib.contextmanager
def user_workspace(
    location: OfficeLocation, args: argparse.Namespace, why: str
) -> Iterator[Workspace]:
    """The office opened for `--user` (`why` says what the command shows, when it is
    missing), closed whatever happens."""
    login = getattr(args, "user", None)
    if not login:
        raise DomainError(f"Indiquez --user : {why}.")
    workspace = logged_in(location, login, getattr(args, "recovery_key", None))
    try:
        yield workspace
    finally:
        workspace.close()


def password_of(login: str) -> str:
    """`login`'s password, from the environment or asked on the terminal."""
    password = os.environ.get(PASSWORD_ENV_VAR)
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Mot de passe de {login} : ")
    if password is None:
        raise DomainError(f"Donnez le mot de passe de {login} dans ${PASSWORD_ENV_VAR}.")
    return password


def unlock_encrypted(
    database: Path, login: str | None, recovery_key_file: str | None, what: str = "ce cabinet"
) -> None:
    """An encrypted office or backup (`database`) opened with the recovery key of a file, or
    else with `login`'s password; nothing to do for a plain one or one already open."""
    if not is_encrypted(database) or is_unlocked(database):
        return
    if recovery_key_file:
        try:
            typed = Path(recovery_key_file).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise DomainError(
                f"Impossible de lire la clé de secours dans « {recovery_key_file} » : "
                f"{error.strerror or error}."
            ) from error
        unlock_with_recovery(database, typed)
        return
    if not login:
        raise DomainError(
            f"Les données de {what} sont chiffrées : indiquez --user (mot de passe dans "
            f"${PASSWORD_ENV_VAR}, sinon demandé) ou --recovery-key FICHIER."
        )
    unlock(database, login, password_of(login))


def logged_in(
    location: OfficeLocation,
    login: str,
    recovery_key_file: str | None = None,
    password: str | None = None,
) -> Workspace:
    """The office opened (upgraded if need be) for `login`, password from the environment
    or asked on the terminal: a command acts with the user's rights, as the screens do."""
    if password is None:
        password = password_of(login)
    if isinstance(location, ServerLocation):
        return _logged_in_on_server(location, login, password)
    paths = location
    opening = open_office(paths)
    if opening.state is OfficeState.LOCKED:
        if recovery_key_file:
            unlock_encrypted(paths.database, login, recovery_key_file)
        else:
            unlock(paths.database, login, password)
        opening = open_office(paths)
    if opening.state is OfficeState.UPGRADE:
        upgrade_office(paths)
    elif opening.state is OfficeState.DAMAGED:
        raise DomainError(
            f"{opening.message}\nDémarrez Dossia : il propose de restaurer la dernière bonne "
            "sauvegarde du dossier de données."
        )
    elif opening.busy:  # a scheduled task tells «try again later» from «refused»
        raise StorageError(opening.message)
    elif opening.state is not OfficeState.READY:
        raise DomainError(opening.message or f"La base « {paths.database} » n'existe pas.")
    office = OfficeDatabase(paths)
    return office.workspace_for(office.authenticate(login, password))


def _logged_in_on_server(location: ServerLocation, login: str, password: str) -> Workspace:
    """`logged_in` for an office on a PostgreSQL server: the server's password from
    $DOSSIA_DB_PASSWORD, ~/.pgpass or asked on the terminal; the schema upgraded if need be
    (one transaction)."""
    opening = open_office(location)
    if opening.password_refused and sys.stdin.isatty():
        typed = getpass.getpass(f"Mot de passe de {location.user or 'Dossia'} sur le serveur : ")
        location = location.with_password(typed)
        opening = open_office(location)
    if opening.state is OfficeState.UPGRADE:
        upgrade_office(location)
    elif opening.state is OfficeState.FIRST_START:
        raise DomainError(
            f"{location.label[0].upper()}{location.label[1:]} est vide : créez-y le cabinet en "
            "démarrant Dossia sur ce serveur (même --db), puis relancez la commande."
        )
    elif opening.busy:  # unreachable: a scheduled task tells «try again later»
        raise StorageError(opening.message)
    elif opening.state is not OfficeState.READY:
        raise DomainError(opening.message)
    office = OfficeDatabase(location)
    try:
        return office.workspace_for(office.authenticate(login, password))
    except BaseException:
        office.close()
        raise


def run_migrate_to_server(args: argparse.Namespace) -> int:
    """`migrate-to-server`: the file office of --db copied, verified, to an empty server
    database; progress on the terminal, the report's path at the end."""
    try:
        target = resolve_location(args.server)
        if not isinstance(target, ServerLocation):
            raise DomainError(
                "Indiquez l'adresse du serveur : postgresql://utilisateur@serveur:port/base."
            )
        login = getattr(args, "user", None)
        if not login:
            raise DomainError("Indiquez --user : la migration demande un administrateur.")
        password = password_of(login)  # asked once, for the login and the migration
        workspace = logged_in(resolve_paths(args.db), login, password=password)
        with contextlib.closing(workspace):
            migration = workspace.migration
            target = _server_password_asked(target, migration.check_target)
            shown = -1

            def progress(done: int, total: int) -> bool:
                nonlocal shown
                percent = 100 * done // max(total, 1)
                if percent != shown and sys.stderr.isatty():
                    print(f"\rMigration… {percent} %", end="", file=sys.stderr, flush=True)
                shown = percent
                return True

            migrated = migration.migrate(target, password, progress)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        # An unreachable server: a scheduled task tells «try again later» from «refused».
        return EXIT_STORAGE if getattr(error, "busy", False) else 2
    if sys.stderr.isatty():
        print(file=sys.stderr)
    rows = sum(table.rows for table in migrated.copy.tables)
    print(
        f"Cabinet migré vers {migrated.server} : {rows} lignes dans "
        f"{len(migrated.copy.tables)} tables, toutes vérifiées."
    )
    print(migrated.documents_summary)
    if migrated.report is not None:
        print(f"Rapport : {migrated.report}")
    else:
        print(
            "Le rapport n'a pas pu être écrit (disque plein ?) : la migration est faite, le "
            "journal d'audit du serveur la garde."
        )
    print(f"Le fichier {migrated.kept_file} est conservé en lecture seule, comme sauvegarde.")
    return 0


def _server_password_asked(
    location: ServerLocation, check: Callable[[ServerLocation], None]
) -> ServerLocation:
    """`check` run on `location`; the server's password asked on a terminal when the server
    wants one (or refused the one given), then `check` again."""
    from app.storage.postgres import ServerRefusal

    try:
        check(location)
    except ServerRefusal as refusal:
        if refusal.reason != "password" or not sys.stdin.isatty():
            raise
        typed = getpass.getpass(f"Mot de passe de {location.user or 'Dossia'} sur le serveur : ")
        location = location.with_password(typed)
        check(location)
    return location


def run_demo(args: argparse.Namespace) -> int:
    if args.dossiers < 0:
        print("Le nombre de dossiers doit être positif.", file=sys.stderr)
        return 2
    location = resolve_location(args.db)
    if isinstance(location, ServerLocation):
        return _run_demo_on_server(args, location)
    paths = resolve_paths(args.db)
    started = time.perf_counter()
    try:
        result = create_demo_office(
            paths, args.dossiers, seed=args.seed, password=args.password, encrypted=not args.plain
        )
        if result.recovery_key is not None and args.recovery_kit:
            created = CreatedOffice("admin", result.recovery_key)
            kit = save_recovery_kit(Path(args.recovery_kit).resolve(), created, "Démonstration")
            print(f"Kit de secours : {kit}")
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(
        f"{result.dossiers} dossiers ajoutés à {paths.database} en {elapsed:.1f} s"
        + (
            f" ({result.users_created} utilisateurs créés, identifiant « admin »)."
            if result.users_created
            else "."
        )
    )
    return 0


def _run_demo_on_server(args: argparse.Namespace, location: ServerLocation) -> int:
    """`demo --db postgresql://…`: the demonstration built, then copied (verified) into the
    empty database; never encrypted (the server's data are the server's to protect)."""
    started = time.perf_counter()
    try:
        location = _server_password_asked(location, _check_empty_server)
        result = create_demo_on_server(location, args.dossiers, args.seed, args.password)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        # An unreachable server: a scheduled task tells «try again later» from «refused».
        return EXIT_STORAGE if getattr(error, "busy", False) else 2
    elapsed = time.perf_counter() - started
    print(
        f"Cabinet de démonstration de {result.dossiers} dossiers créé dans {location.label} en "
        f"{elapsed:.1f} s (identifiant « admin »)."
    )
    return 0


def _check_empty_server(location: ServerLocation) -> None:
    from app.storage.postgres import ServerState, check_server

    if check_server(location) is not ServerState.EMPTY:
        raise DomainError(
            f"{location.label[0].upper()}{location.label[1:]} n'est pas vide : le cabinet de "
            "démonstration se crée dans une base vide. Rien n'a été modifié."
        )


def run_simulation_pdf(args: argparse.Namespace) -> int:
    location = resolve_location(args.db)
    try:
        with user_workspace(
            location, args, "la synthèse montre les données d'un dossier"
        ) as workspace:
            service = workspace.simulations
            simulation_id = service.find(args.dossier, args.simulation)
            target = service.write_synthesis(simulation_id, Path(args.out).resolve())
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    print(f"Synthèse de financement : {target}")
    return 0


def run_loan_request(args: argparse.Namespace) -> int:
    location = resolve_location(args.db)
    target = Path(args.out).resolve()
    try:
        if target.suffix.lower() not in (".pdf", ".zip"):
            raise DomainError("--out : un fichier .pdf (la demande) ou .zip (l'envoi).")
        if args.bank and target.suffix.lower() != ".zip":
            raise DomainError("--bank prépare un envoi : donnez un fichier .zip à --out.")
        if not target.parent.is_dir():
            raise DomainError(f"--out : le répertoire « {target.parent} » n'existe pas.")
        with user_workspace(
            location, args, "la demande montre les données d'un dossier"
        ) as workspace:
            dossier_id = workspace.simulations.dossier_numbered(args.dossier)
            simulation_id = (
                workspace.simulations.find(args.dossier, args.simulation)
                if args.simulation
                else None
            )
            requests = workspace.loan_requests
            if target.suffix.lower() == ".pdf":
                requests.write_pdf(dossier_id, target, simulation_id)
                print(f"Demande de prêt : {target}")
                return 0
            detail = workspace.dossiers.get(dossier_id)
            banks = workspace.pipeline.list(dossier_id).banks
            wanted = (args.bank or "").strip().casefold()
            exact = [b for b in banks if b.label.casefold() == wanted]
            found = exact or [b for b in banks if b.label.casefold().startswith(wanted)]
            if not wanted or len(found) != 1:
                known = ", ".join(b.label for b in banks) or "aucune"
                said = "plusieurs banques répondent à ce nom" if len(found) > 1 else "inconnue"
                raise DomainError(f"--bank : {said} ; une des banques du cabinet ({known}).")
            bank = found[0]
            documents = workspace.documents.list(dossier_id).documents
            pieces = [d.id for d in documents if d.folder.value == "supporting"]
            sending = requests.prepare_sending(
                dossier_id, detail.version, bank.id, simulation_id, pieces, target
            )
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    count = len(sending.files)
    print(f"Envoi préparé pour {bank.label} : {sending.path} ({count} fichier{'s' * (count > 1)})")
    return 0


def run_invoices(args: argparse.Namespace) -> int:
    """`invoices`: the sales journal of a period, for a monthly script."""
    location = resolve_location(args.db)
    target = Path(args.out).resolve()
    try:
        start, end = _day(args.start, "--from"), _day(args.end, "--to")
        if not target.parent.is_dir():
            raise DomainError(f"--out : le répertoire « {target.parent} » n'existe pas.")
        with user_workspace(
            location, args, "le journal montre les factures du cabinet"
        ) as workspace:
            workspace.office_invoicing.write_journal(start, end, target)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    print(f"Journal des ventes : {target}")
    return 0


EXIT_NOTHING, EXIT_UNWRITABLE, EXIT_STORAGE = 3, 4, 5


def run_export_c1(args: argparse.Namespace) -> int:
    """`export-c1`: the control report, for a scheduled task."""
    from app.exports.c1 import C1Filters, Completeness, DateField

    location = resolve_location(args.db)
    target = Path(args.out).resolve()
    try:
        if not target.parent.is_dir():
            raise DomainError(f"--out : le répertoire « {target.parent} » n'existe pas.")
        start = _day(args.start, "--from") if args.start else None
        end = _day(args.end, "--to") if args.end else None
        with user_workspace(location, args, "l'export montre les dossiers du cabinet") as workspace:
            service = workspace.c1_exports
            filters = C1Filters(
                start=start,
                end=end,
                date_field=DateField(args.date_field),
                broker_ids=frozenset(service.broker_by_login(b) for b in args.broker or ()),
                statuses=frozenset(args.status or ()),
                completeness=Completeness(args.complete),
            ).check()
            model = service.model(args.model)
            try:
                # The preview works out the TAEG still due first: it writes, it may find
                # the database busy too.
                if service.preview(filters, model).count == 0:
                    print("Aucun dossier à exporter : aucun fichier écrit.", file=sys.stderr)
                    return EXIT_NOTHING
                result = service.export(filters, model, target)
            except DomainError as error:
                if error.field == "target":
                    print(error.message, file=sys.stderr)
                    return EXIT_UNWRITABLE
                raise
    except StorageError as error:  # busy or full, from the login on: nothing written
        print(error.message, file=sys.stderr)
        return EXIT_STORAGE
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    print(f"Export C1 : {result.rows} dossier(s) dans {result.target}")
    return 0


def _day(text: str, option: str) -> dt.date:
    """«31/01/2026» or «2026-01-31»."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise DomainError(f"{option} : une date comme 31/01/2026.")


def _decimal(text: str, message: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(message) from None
    if not value.is_finite():
        raise DomainError(message)
    return value


def run_simulate(args: argparse.Namespace) -> int:
    """`simulate`: one amortising loan computed without a database."""
    from app.simulation.finance import Cover, Fees, Line, Plan, compute
    from app.simulation.schedule_export import plan_months
    from app.simulation.summary import as_json, summary_lines

    try:
        amount = parse_amount(args.amount, "amount")
        fees = parse_amount(args.fees, "fees") or 0
        rate = _decimal(args.rate, "Taux invalide : saisissez par exemple 3,85.")
        insurance = _decimal(
            args.insurance_rate, "Taux d'assurance invalide : saisissez par exemple 0,30."
        )
        if not args.months.isascii() or not args.months.isdigit():
            raise DomainError("Durée invalide : saisissez un nombre de mois, par exemple 240.")
        covers = (Cover(rate=insurance),) if insurance else ()
        result = compute(
            Plan(
                (Line(amount or 0, rate, int(args.months), covers=covers),),
                Fees(other_cents=fees),
            )
        )
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(as_json(result, args.schedule), ensure_ascii=False, indent=2))
        return 0
    print("\n".join(summary_lines(result)))
    if args.schedule:
        print()
        print(
            f"{'Mois':>4}  {'Échéance':>14}  {'Intérêts':>14}  {'Capital':>14}  "
            f"{'Assurance':>12}  {'Restant dû':>16}"
        )
        for month, payment, interest, capital, insurance, _total, remaining in plan_months(result):
            amounts = (payment, interest, capital, insurance, remaining)
            cells = [
                format_amount(a).replace("\u202f", " ").replace("\u00a0", " ") for a in amounts
            ]
            widths = (14, 14, 14, 12, 16)
            print(
                f"{month:>4}  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))
            )
    return 0


def run(args: argparse.Namespace) -> int:
    """The command `args` names (parsed by `main.build_parser`)."""
    if args.command == "demo":
        return run_demo(args)
    if args.command in ("backup", "restore", "backups"):
        return run_backup_command(args)
    if args.command == "simulate":
        return run_simulate(args)
    if args.command == "simulation-pdf":
        return run_simulation_pdf(args)
    if args.command == "loan-request":
        return run_loan_request(args)
    if args.command == "invoices":
        return run_invoices(args)
    if args.command == "export-c1":
        return run_export_c1(args)
    if args.command == "migrate-to-server":
        return run_migrate_to_server(args)
    if args.command in ("carry-out", "carry-in", "carries"):
        return carry_commands.run(
            args,
            lambda where, login, password: logged_in(where, login, password=password),
            password_of,
        )
    raise ValueError(f"unknown command {args.command!r}")
