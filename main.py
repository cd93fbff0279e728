"""Dossia: start the application, or run a command without a screen.

    python main.py [--db PATH] [--user LOGIN] [--quit-after-start]
    python main.py demo --db PATH --dossiers N [--seed S] [--password P]
    python main.py backup --db PATH --out FILE
    python main.py restore --db PATH --from FILE
    python main.py backups --db PATH
    python main.py export-c1 --db PATH --user LOGIN --out FILE.xlsx|.csv|.pdf [filters]

Run `python main.py --help` for every option.

Exit codes: 0 done; 1 the start stopped on an error its dialog showed; 2 a refused command,
or a start that cannot go on (no display to open a window on, a first start under
--quit-after-start or left unanswered), with a French message on stderr when no window
could say it; `export-c1` also: 3 nothing to export (no file written), 4 the file could not
be written (the previous one left intact), 5 the database could not record the export
(busy, disk full: no file written).
"""

from __future__ import annotations

import gc
import sys

# Python's collector of cycles paused while the application is imported: about fifty
# collections before the first paint (≈ 10 ms), each walking what was just imported and
# freeing nothing. The window runs it again from the GUI thread once what it imported is
# frozen (ui/gc_guard.py, ui/launcher.py); the commands turn it back on at once (`main`).
COLLECTOR_PAUSED = __name__ == "__main__" and gc.isenabled()
if COLLECTOR_PAUSED:
    gc.disable()

from app.early import PASSWORD_ENV_VAR, unlock_from_command_line

# An encrypted office's keys start opening now, while the rest is imported (0.15 s), when
# the window is started with a login and its password.
EARLY = unlock_from_command_line(sys.argv[1:]) if __name__ == "__main__" else None

import argparse
import os
import sys

from app.carry import commands as carry_commands
from app.cli_french import speak_french
from app.files import PRIVATE_UMASK
from app.paths import (
    DB_PASSWORD_ENV_VAR,
    DataPaths,
    LocationError,
    OfficeLocation,
    resolve_location,
)
from app.startup import check_password_ahead, unlock_early


class _ShowVersion(argparse.Action):
    """`--version`: the installed version, looked up only when asked (30 ms of imports)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="afficher la version et quitter")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib import metadata

        try:
            version = metadata.version("dossia")
        except metadata.PackageNotFoundError:  # sources that were never installed
            version = "(version de développement)"
        parser.exit(message=f"Dossia {version}\n")


def build_parser() -> argparse.ArgumentParser:
    speak_french()
    parser = argparse.ArgumentParser(
        prog="dossia",
        description=(
            "Dossia — le dossier client des courtiers en crédit immobilier. Sans commande, "
            "ouvre l'application sur la base de données du dossier de données de "
            "l'utilisateur (ou celle de --db / $DOSSIA_DB)."
        ),
        epilog=(
            f"Le mot de passe peut être fourni par la variable d'environnement "
            f"{PASSWORD_ENV_VAR} (avec --user, la fenêtre de connexion n'est alors pas affichée). "
            "Code de sortie 2 quand l'application ne peut pas démarrer (pas d'affichage "
            "graphique, premier démarrage avec --quit-after-start) ou qu'une commande est "
            "refusée, avec un message qui dit quoi faire. Cabinet sur un serveur PostgreSQL "
            f"(--db ou $DOSSIA_DB postgresql://…, sinon les réglages « Fichier › Connexion… » "
            f"de ce poste) : le mot de passe du serveur dans ${DB_PASSWORD_ENV_VAR}, le "
            "trousseau de mots de passe du système ou le fichier .pgpass, sinon demandé."
        ),
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=(
            "fichier de base de données à ouvrir, ou cabinet sur un serveur PostgreSQL "
            "(postgresql://utilisateur@serveur:port/base)"
        ),
    )
    parser.add_argument("--version", action=_ShowVersion)
    parser.add_argument("--user", metavar="LOGIN", help="identifiant de connexion présélectionné")
    parser.add_argument(
        "--recovery-key",
        metavar="FILE",
        help=(
            "fichier texte contenant la clé de secours du kit : ouvre un cabinet chiffré (ou une "
            "sauvegarde chiffrée) sans mot de passe"
        ),
    )
    parser.add_argument(
        "--quit-after-start",
        action="store_true",
        help="quitter dès que la fenêtre principale est affichée (tests, mesures)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE")
    demo = commands.add_parser(
        "demo",
        help="créer un cabinet de démonstration (ou ajouter des dossiers à une base existante)",
        description=(
            "Construit un cabinet réaliste : courtiers, provenances, apporteurs d'affaires, "
            "dossiers à toutes les étapes, avec noms, dates, notes et simulations. Le résultat "
            "ne dépend que de --seed. Les utilisateurs créés ont le mot de passe --password ; "
            "l'administrateur a l'identifiant « admin »."
        ),
    )
    demo.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="base à créer ou compléter"
    )
    demo.add_argument(
        "--dossiers", type=int, default=300, metavar="N", help="nombre de dossiers (300)"
    )
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="graine aléatoire (1)")
    demo.add_argument("--password", default="demo", help="mot de passe des utilisateurs (demo)")
    demo.add_argument(
        "--plain",
        action="store_true",
        help=(
            "base non chiffrée, pour les outils qui lisent le fichier SQLite directement "
            "(jamais pour les données de vrais clients)"
        ),
    )
    demo.add_argument(
        "--recovery-kit",
        metavar="FILE.pdf",
        help="où écrire le kit de secours d'un nouveau cabinet chiffré",
    )
    backup = commands.add_parser(
        "backup",
        help="sauvegarder la base (et ses documents) dans un fichier",
        description=(
            "Copie cohérente de la base, même pendant que Dossia est ouvert (API de sauvegarde "
            "de SQLite), vérifiée par PRAGMA integrity_check. Les documents sont copiés dans le "
            "dossier « documents » à côté du fichier (seuls les nouveaux). Un cabinet sur "
            "serveur PostgreSQL est sauvegardé par pg_dump (format custom), relu par "
            "pg_restore --list."
        ),
    )
    backup.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="base à sauvegarder"
    )
    backup.add_argument(
        "--out",
        metavar="FILE",
        help=(
            "fichier de sauvegarde à écrire (un cabinet sur serveur : un fichier ou un dossier, "
            "par défaut le dossier des sauvegardes de ce poste pour ce serveur)"
        ),
    )
    restore = commands.add_parser(
        "restore",
        help="restaurer une sauvegarde (la base actuelle est d'abord sauvegardée)",
        description=(
            "Remplace la base par une sauvegarde, après avoir sauvegardé l'état actuel dans le "
            "dossier « backups ». Fermez Dossia avant de restaurer. Demande un utilisateur "
            "ayant le droit « Sauvegarder et restaurer » (--user ; mot de passe dans "
            f"${PASSWORD_ENV_VAR}, sinon demandé). Un cabinet sur serveur PostgreSQL se "
            "restaure dans une base vide seulement (pg_restore), sans --user."
        ),
    )
    restore.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="base à remplacer")
    restore.add_argument(
        "--user",
        metavar="LOGIN",
        default=argparse.SUPPRESS,  # keeps a --user given before the command
        help="identifiant d'un utilisateur ayant le droit « Sauvegarder et restaurer »",
    )
    restore.add_argument(
        "--from", dest="source", metavar="FILE", required=True, help="sauvegarde à restaurer"
    )
    simulate = commands.add_parser(
        "simulate",
        help="calculer un prêt : mensualité, coût, TAEG (et l'échéancier)",
        description=(
            "Calcule un prêt amortissable à taux fixe comme la banque : mensualité arrondie "
            "au centime, coût total du crédit, TAEG actuariel (assurance et frais compris)."
        ),
    )
    simulate.add_argument("--amount", required=True, help="montant emprunté en euros")
    simulate.add_argument("--rate", required=True, help="taux nominal annuel en %%")
    simulate.add_argument("--months", required=True, help="durée en mois")
    simulate.add_argument(
        "--insurance-rate", default="0", help="assurance, en %% du capital initial par an"
    )
    simulate.add_argument("--fees", default="0", help="frais (dossier, garantie…) en euros")
    simulate.add_argument("--json", action="store_true", help="résultat en JSON")
    simulate.add_argument("--schedule", action="store_true", help="avec l'échéancier mensuel")
    synthesis = commands.add_parser(
        "simulation-pdf",
        help="écrire la synthèse de financement d'une simulation (PDF)",
        description=(
            "Écrit la « Synthèse de financement » d'une simulation d'un dossier, comme le "
            f"bouton de l'onglet Simulations. Demande un utilisateur (--user ; mot de passe "
            f"dans ${PASSWORD_ENV_VAR}, sinon demandé) qui voit ce dossier."
        ),
    )
    synthesis.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="base du cabinet"
    )
    synthesis.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="identifiant de connexion"
    )
    synthesis.add_argument("--dossier", required=True, metavar="NUMÉRO", help="n° du dossier")
    synthesis.add_argument(
        "--simulation",
        metavar="NOM",
        help="nom de la simulation (par défaut : la validée par le client, sinon la dernière)",
    )
    synthesis.add_argument("--out", required=True, metavar="FICHIER.pdf", help="PDF à écrire")
    request = commands.add_parser(
        "loan-request",
        help="écrire la demande de prêt d'un dossier (PDF), ou l'envoi préparé (ZIP)",
        description=(
            "Écrit la « Demande de prêt » d'un dossier (PDF), ou, avec un fichier .zip et "
            "--bank (obligatoire alors), la demande et ses pièces justificatives prêtes à "
            "envoyer à cette banque : l'envoi est noté « Préparée » dans l'onglet Pipeline et "
            "la demande gardée dans les documents. "
            f"Demande un utilisateur (--user ; mot de passe dans ${PASSWORD_ENV_VAR}, sinon "
            "demandé) qui voit ce dossier."
        ),
    )
    request.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="base du cabinet")
    request.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="identifiant de connexion"
    )
    request.add_argument("--dossier", required=True, metavar="NUMÉRO", help="n° du dossier")
    request.add_argument(
        "--simulation",
        metavar="NOM",
        help="simulation présentée (par défaut : la validée par le client, sinon la dernière)",
    )
    request.add_argument(
        "--bank", metavar="NOM", help="banque destinataire (obligatoire pour un .zip)"
    )
    request.add_argument(
        "--out", required=True, metavar="FICHIER.pdf|FICHIER.zip", help="fichier à écrire"
    )
    journal = commands.add_parser(
        "invoices",
        help="écrire le journal des ventes d'une période (Excel ou CSV)",
        description=(
            "Écrit le « Journal des ventes » pour le comptable : les factures et avoirs émis "
            "sur la période, et les règlements reçus, en Excel (.xlsx) ou en CSV. Demande un "
            f"utilisateur qui a le droit « Facturer » (--user ; mot de passe dans "
            f"${PASSWORD_ENV_VAR}, sinon demandé)."
        ),
    )
    journal.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="base du cabinet")
    journal.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="identifiant de connexion"
    )
    journal.add_argument("--from", dest="start", required=True, metavar="JJ/MM/AAAA", help="début")
    journal.add_argument("--to", dest="end", required=True, metavar="JJ/MM/AAAA", help="fin")
    journal.add_argument(
        "--out", required=True, metavar="FICHIER.xlsx|FICHIER.csv", help="fichier à écrire"
    )
    export = commands.add_parser(
        "export-c1",
        help="écrire l'export C1 (contrôle de 1er niveau) en Excel, CSV ou PDF",
        description=(
            "Écrit l'« Export C1 » du cabinet : un dossier par ligne, complet ou non, où il en "
            "est et ce qu'il a rapporté ; en Excel (.xlsx), CSV (.csv) ou la synthèse PDF "
            "(.pdf). Pour une tâche planifiée (cron, Planificateur de tâches). Demande un "
            f"utilisateur qui a le droit « Exporter C1 » (--user ; mot de passe dans "
            f"${PASSWORD_ENV_VAR}, sinon demandé)."
        ),
        epilog=(
            "Codes de sortie : 0 export écrit ; 2 arguments ou droits refusés ; 3 aucun dossier "
            "à exporter (aucun fichier écrit) ; 4 fichier impossible à écrire (l'ancien reste "
            "intact) ; 5 la base n'a pas pu noter l'export (occupée, disque plein : aucun "
            "fichier écrit)."
        ),
    )
    export.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="base du cabinet")
    export.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="identifiant de connexion"
    )
    export.add_argument(
        "--out", required=True, metavar="FICHIER.xlsx|.csv|.pdf", help="fichier à écrire"
    )
    export.add_argument("--from", dest="start", metavar="JJ/MM/AAAA", help="début de la période")
    export.add_argument("--to", dest="end", metavar="JJ/MM/AAAA", help="fin de la période")
    export.add_argument(
        "--date-field",
        choices=("creation", "agreement", "signature", "release"),
        default="creation",
        help="date de la période : création, accord client, signature de l'offre, déblocage",
    )
    export.add_argument(
        "--broker", action="append", metavar="LOGIN", help="un courtier (répétable)"
    )
    export.add_argument(
        "--status",
        action="append",
        choices=("prospect", "client", "abandoned"),
        help="un statut (répétable)",
    )
    export.add_argument(
        "--complete", choices=("yes", "no", "all"), default="all", help="dossiers complets ou non"
    )
    export.add_argument("--model", metavar="NOM", help="modèle d'export (colonnes)")
    migrate = commands.add_parser(
        "migrate-to-server",
        help="migrer le cabinet de ce poste vers une base vide du serveur PostgreSQL du cabinet",
        description=(
            "Copie tout le cabinet du fichier de ce poste (dossiers, utilisateurs, factures, "
            "journal d'audit…) dans une base vide d'un serveur PostgreSQL, en une seule "
            "transaction, puis vérifie chaque table (nombre de lignes et empreinte) avant de "
            "valider : le serveur reçoit tout le cabinet, ou rien. Le fichier est ensuite "
            "conservé tel quel, en lecture seule, comme sauvegarde ; un rapport est écrit "
            "dans le dossier de données. Demande un administrateur (--user ; mot de passe dans "
            f"${PASSWORD_ENV_VAR}, sinon demandé) ; le mot de passe du serveur dans "
            f"${DB_PASSWORD_ENV_VAR} ou .pgpass, sinon demandé."
        ),
    )
    migrate.add_argument("server", metavar="postgresql://UTILISATEUR@SERVEUR:PORT/BASE")
    migrate.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="base du cabinet")
    migrate.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="identifiant de connexion"
    )
    carry_commands.add_parsers(commands)
    listing = commands.add_parser("backups", help="lister les sauvegardes du dossier de données")
    listing.add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS, help="base dont on liste les sauvegardes"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    if os.name == "posix":
        os.umask(PRIVATE_UMASK)  # every file 0600, every folder 0700: they hold personal data
    args = build_parser().parse_args(argv)
    if COLLECTOR_PAUSED and args.command is not None:  # no window: collected as always
        gc.enable()
    location: OfficeLocation | None = None
    if args.command != "simulate":  # every other way opens the office's database
        try:  # an address of another kind is refused before anything is created
            location = resolve_location(args.db)
        except LocationError as error:
            print(error.message, file=sys.stderr)
            return 2
    if args.command is not None:
        import main_commands  # not for the window (its start compiles main.py: kept short)

        return main_commands.run(args)
    password = os.environ.get(PASSWORD_ENV_VAR)
    # An encrypted office's keys opened while Qt loads (when the password is given).
    early = None
    if isinstance(location, DataPaths):
        early = (
            EARLY
            if EARLY is not None and EARLY.serves(location, args.user, password)
            else unlock_early(location, args.user, password)
        )
        if early is None and args.user and password is not None:
            # A plain office: its argon2 runs while Qt is imported, not after.
            check_password_ahead(location, args.user, password)
    from ui.launcher import run_gui  # Qt (0.2 s) only for the GUI, not for the commands

    return run_gui(args, password, early)


if __name__ == "__main__":
    sys.exit(main())
