"""argparse in French: its own words («usage», «options», «invalid choice»…) said as the rest
of Dossia's command line says them. argparse looks its words up through `gettext` each time
it uses one; `speak_french()` gives it this catalogue instead (Python 3.11–3.13 wording)."""

from __future__ import annotations

import argparse

_FRENCH = {
    "usage: ": "utilisation : ",
    "options": "options",
    "optional arguments": "options",
    "positional arguments": "arguments",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (possibles : %(choices)s)"
    ),
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "expected one argument": "un argument attendu",
    "expected at most one argument": "un argument au plus attendu",
    "expected at least one argument": "un argument au moins attendu",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "ignored explicit argument %r": "argument explicite ignoré : %r",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "unexpected option string: %s": "option inattendue : %s",
}


def french(message: str) -> str:
    """argparse's word in French (itself when none is known). Not looked up through
    `gettext` first: Python ships no translation of argparse, and each lookup searched the
    disk for catalogues (33 of them, and the `locale` module imported: 4 ms of every start)."""
    return _FRENCH.get(message, message)


def speak_french() -> None:
    argparse._ = french  # type: ignore[attr-defined]  # argparse's own lookup
