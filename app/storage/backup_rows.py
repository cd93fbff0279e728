"""What a backup's rows must hold: what the application reads back. Each column the type
its declaration says, dates ISO and between 1900 and 2100, enumerations known values (what
the CHECK constraints say, and the audit's actions, which have none), document hashes (and
the company's logo) 64 lowercase hexadecimal digits, text valid UTF-8 without control
characters within its declared length, password hashes argon2id with affordable parameters,
the numbering settings in their range. Each table is read once, by one SQL aggregate.
"""

from __future__ import annotations

import enum
import re

from app.storage import driver
from app.storage.backup_schema import Schema, quoted
from models.enums import (
    AbandonReason,
    AuditAction,
    ChargeKind,
    Contract,
    Deferral,
    DocumentFolder,
    DossierStatus,
    DossierTab,
    Guarantee,
    InsuranceBase,
    InvoiceKind,
    InvoiceState,
    LineKind,
    LoanKind,
    MaritalStatus,
    MatrimonialRegime,
    PaymentMeans,
    ProjectNature,
    ProjectUse,
    ReferrerKind,
    RentalMethod,
    RequirementRule,
    Right,
    SavingsKind,
    SimulationStatus,
    SubmissionStatus,
    UsuryCategory,
)

Key = tuple[str, str]  # (type, name) of a schema object; SQLite's own indexes by their columns


# Every column stored from an enumeration (the models' `str_enum` columns; a test checks
# this list against the models).
ENUM_COLUMNS: dict[tuple[str, str], type[enum.StrEnum]] = {
    ("audit_events", "action"): AuditAction,
    ("borrowers", "contract"): Contract,
    ("borrowers", "marital_status"): MaritalStatus,
    ("borrowers", "matrimonial_regime"): MatrimonialRegime,
    ("comments", "tab"): DossierTab,
    ("current_loans", "kind"): LoanKind,
    ("dossiers", "abandon_reason"): AbandonReason,
    ("dossiers", "status"): DossierStatus,
    ("monthly_charges", "kind"): ChargeKind,
    ("projects", "nature"): ProjectNature,
    ("projects", "use"): ProjectUse,
    ("referrers", "kind"): ReferrerKind,
    ("role_rights", "right"): Right,
    ("savings", "kind"): SavingsKind,
    ("simulations", "status"): SimulationStatus,
    ("simulations", "guarantee"): Guarantee,
    ("simulations", "rental_method"): RentalMethod,
    ("simulation_lines", "kind"): LineKind,
    ("simulation_lines", "deferral"): Deferral,
    ("simulation_covers", "base"): InsuranceBase,
    ("usury_rates", "category"): UsuryCategory,
    ("documents", "folder"): DocumentFolder,
    ("required_documents", "folder"): DocumentFolder,
    ("required_documents", "rule"): RequirementRule,
    ("bank_submissions", "status"): SubmissionStatus,
    ("invoices", "kind"): InvoiceKind,
    ("invoices", "state"): InvoiceState,
    ("payments", "means"): PaymentMeans,
}
# Columns holding a document's hash: the name of its file in the documents folder.
HASH_COLUMNS = {("documents", "content_hash")}
# A document's file name is the name of the copy opened for viewing: one plain name, never a
# path (no separator, no «..», no hidden file).
FILENAME_COLUMNS = {("documents", "filename")}
_FILENAME_OK = (
    "typeof({c}) = 'text' AND {c} <> '' AND {c} NOT GLOB '*[/\\:]*' AND {c} NOT GLOB '.*'"
)
# Text columns that may hold line breaks and tabs (rich text); any other text column holds
# one line, without control characters (what `app.validation` lets a user type).
MULTILINE_COLUMNS = {("dossiers", "internal_note"), ("comments", "body")}
PASSWORD_COLUMNS = {("users", "password_hash")}
# An argon2id hash as `app.security` writes it, with parameters a login can afford (a
# crafted 4 GiB memory cost would exhaust the computer at each login attempt).
_ARGON2ID = re.compile(
    rb"\$argon2id\$v=19\$m=([0-9]{1,7}),t=([0-9]{1,3}),p=([0-9]{1,3})"
    rb"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}"
)
MAX_ARGON2_MEMORY_KIB = 262_144  # 256 MiB
MAX_ARGON2_PASSES = 10
MAX_ARGON2_LANES = 8
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# SQL conditions a stored value must meet ({c} is the quoted column), and what to say if not.
# (DATE and DATETIME columns have NUMERIC affinity: a literal compared with one must not look
# like a number, or SQLite would compare it as one.)
HASH_OK = "typeof({c}) = 'text' AND length({c}) = 64 AND {c} NOT GLOB '*[^0-9a-f]*'"
_DATE_OK = (  # a modifier makes SQLite normalise: 2025-02-30 would become 2025-03-02
    "typeof({c}) = 'text' AND date({c}, '+0 days') = {c} "
    "AND {c} BETWEEN '1900-01-01' AND '2100-12-31'"
)
_DATETIME_OK = (  # what SQLAlchemy writes: 2026-11-30 10:00:00.000000 (or without fraction)
    "typeof({c}) = 'text' "
    "AND datetime(substr({c}, 1, 19), '+0 seconds') = substr({c}, 1, 19) "
    "AND substr({c}, 1, 10) BETWEEN '1900-01-01' AND '2100-12-31' "
    "AND (length({c}) = 19 OR (length({c}) = 26 "
    "AND substr({c}, 20) GLOB '.[0-9][0-9][0-9][0-9][0-9][0-9]'))"
)
_BY_TYPE = {
    "INTEGER": ("typeof({c}) = 'integer'", "nombre entier attendu"),
    "BOOLEAN": ("typeof({c}) = 'integer' AND {c} IN (0, 1)", "0 ou 1 attendu"),
    "TEXT": ("typeof({c}) = 'text'", "texte attendu"),
    "DATE": (_DATE_OK, "date invalide ou hors de 1900–2100"),
    "DATETIME": (_DATETIME_OK, "date et heure invalides ou hors de 1900–2100"),
}
# The settings the application parses when it reads them back: (key, condition on value).
SETTING_CHECKS = (
    ("company.logo_hash", "value = '' OR " + HASH_OK.format(c="value"), "empreinte invalide"),
    ("numbering.digits", "value IN ('3', '4', '5', '6', '7', '8')", "de 3 à 8 chiffres"),
    ("numbering.with_year", "value IN ('0', '1')", "0 ou 1 attendu"),
    (
        "documents.max_mb",
        "value NOT GLOB '*[^0-9]*' AND length(value) BETWEEN 1 AND 3 "
        "AND CAST(value AS INTEGER) BETWEEN 1 AND 500",
        "de 1 à 500 Mo",
    ),
    (
        "numbering.prefix",
        "typeof(value) = 'text' AND length(value) <= 10 AND value NOT GLOB '*[^A-Za-z0-9]*'",
        "10 lettres ou chiffres au plus",
    ),
)

# --- the rows -----------------------------------------------------------------------------


def invalid_rows(connection: driver.Connection, expected: Schema) -> str | None:
    """None if every row can be read back by the application, else what cannot, in French."""
    violation = connection.execute("PRAGMA foreign_key_check").fetchone()
    if violation is not None:
        return f"la table « {violation[0]} » renvoie à une ligne absente de « {violation[2]} »"
    for table, columns in expected.columns.items():
        checks = [
            (column, f"({condition.format(c=quoted(column))})", label)
            for column, declared in columns
            for condition, label in [_column_check(table, column, declared)]
            if condition
        ] + _length_checks(table, columns)
        texts = _text_columns(table, columns)
        readable = [r for r in (_readable(texts, 0), _readable(texts, 1)) if r is not None]
        if not checks and not readable:
            continue
        # One pass over the table (and one Python call per row for its texts); the faulty
        # column is looked for only if a row fails. (`IS NOT 1`: NULL fails too.)
        every = " AND ".join(
            [f"({quoted(c)} IS NULL OR {condition})" for c, condition, _ in checks] + readable
        )
        if _count(connection, table, every) == 0:
            continue
        for column, condition, label in checks:
            count = _count(connection, table, f"{quoted(column)} IS NULL OR {condition}")
            if count:
                return f"{label} dans « {table}.{column} », {count} ligne(s)"
        for column, multiline in texts:
            count = _count(connection, table, _readable([(column, multiline)], multiline) or "1")
            if count:
                return (
                    f"texte illisible (UTF-8 invalide ou caractère de contrôle) dans "
                    f"« {table}.{column} », {count} ligne(s)"
                )
    if "settings" in expected.columns:
        for key, condition, label in SETTING_CHECKS:
            bad = connection.execute(
                f"SELECT COUNT(*) FROM settings WHERE key = ? AND ({condition}) IS NOT 1", (key,)
            ).fetchone()[0]
            if bad:
                return f"réglage « {key} » : {label}"
    return None


def _count(connection: driver.Connection, table: str, condition: str) -> int:
    """How many rows of `table` do not meet `condition`."""
    sql = f"SELECT COUNT(*) FROM {quoted(table)} WHERE ({condition}) IS NOT 1"
    return int(connection.execute(sql).fetchone()[0])


def _column_check(table: str, column: str, declared: str) -> tuple[str, str]:
    """The condition a stored value of this column meets, and what to say if it does not."""
    if (table, column) in HASH_COLUMNS:
        return HASH_OK, "empreinte de document invalide"
    if (table, column) in FILENAME_COLUMNS:
        return _FILENAME_OK, "nom de fichier invalide"
    values = ENUM_COLUMNS.get((table, column))
    if values is not None:
        listed = ", ".join("'" + member.value.replace("'", "''") + "'" for member in values)
        return f"{{c}} IN ({listed})", "valeur inconnue"
    if (table, column) in PASSWORD_COLUMNS:
        return (
            "typeof({c}) = 'text' AND length(CAST({c} AS BLOB)) <= 256 "
            "AND dossia_argon2id_ok(CAST({c} AS BLOB)) = 1",
            "empreinte de mot de passe invalide",
        )
    base = "TEXT" if _VARCHAR.fullmatch(declared) else declared
    return _BY_TYPE.get(base, ("", ""))


def _length_checks(table: str, columns: tuple[tuple[str, str], ...]) -> list[tuple[str, str, str]]:
    """(column, condition, label) of each column declared VARCHAR(n): at most n characters."""
    found = []
    for column, declared in columns:
        size = _VARCHAR.fullmatch(declared)
        if size is not None and (table, column) not in PASSWORD_COLUMNS:
            most = int(size.group(1))
            found.append(
                (column, f"(length({quoted(column)}) <= {most})", f"plus de {most} caractères")
            )
    return found


def _text_columns(table: str, columns: tuple[tuple[str, str], ...]) -> list[tuple[str, int]]:
    """The free text columns of `table` (neither enumerations, hashes nor passwords), each
    with 1 if it may hold line breaks, else 0."""
    special = HASH_COLUMNS | ENUM_COLUMNS.keys() | PASSWORD_COLUMNS
    return [
        (column, int((table, column) in MULTILINE_COLUMNS))
        for column, declared in columns
        if (table, column) not in special
        and (declared == "TEXT" or _VARCHAR.fullmatch(declared) is not None)
    ]


def _readable(columns: list[tuple[str, int]], multiline: int) -> str | None:
    """One call of `dossia_text_ok` per row for these columns: their bytes joined by spaces
    (UTF-8 as a whole exactly when each part is; NULL as nothing)."""
    chosen = [column for column, kind in columns if kind == multiline]
    if not chosen:
        return None
    joined = " || x'20' || ".join(f"coalesce(CAST({quoted(c)} AS BLOB), x'')" for c in chosen)
    return f"dossia_text_ok(CAST(({joined}) AS BLOB), {multiline}) = 1"


_VARCHAR = re.compile(r"VARCHAR\(\s*([0-9]{1,9})\s*\)")


def add_functions(connection: driver.Connection) -> None:
    """The Python functions the row checks call (on this connection only)."""
    connection.create_function("dossia_text_ok", 2, _text_ok, deterministic=True)
    connection.create_function("dossia_argon2id_ok", 1, _argon2id_ok, deterministic=True)


def _text_ok(value: object, multiline: object) -> int:
    """1 if `value` (a text's bytes) is UTF-8 without a control character (line breaks and
    tabs allowed in rich text), else 0."""
    if not isinstance(value, bytes):
        return 0
    try:
        text = value.decode("utf-8")  # strict: refuses encoded surrogates too
    except UnicodeDecodeError:
        return 0
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return 0 if pattern.search(text) else 1


def _argon2id_ok(value: object) -> int:
    """1 if `value` is an argon2id hash whose parameters a login can afford, else 0."""
    if not isinstance(value, bytes):
        return 0
    match = _ARGON2ID.fullmatch(value)
    if match is None:
        return 0
    memory, passes, lanes = (int(group) for group in match.groups())
    return int(
        1 <= lanes <= MAX_ARGON2_LANES
        and 1 <= passes <= MAX_ARGON2_PASSES
        and 8 * lanes <= memory <= MAX_ARGON2_MEMORY_KIB
    )
