"""The «kit de secours»: one A4 page with the office's recovery key, to print and lock away
(reportlab: imported only when a kit is made)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from app.crypto.recovery import GROUP, GROUPS, LENGTH, RecoveryKey
from app.files import atomic_path
from app.pdf import house
from app.text import format_date

TITLE = "Kit de secours"
_PER_ROW = 4
_KEY_SIZE = 18  # points: read across a desk, typed without squinting
_SLOT = 7 * mm  # one character's cell, wide enough for a bold W: the key reads as columns
_GAP = 8 * mm  # between two groups


def write_recovery_kit(
    target: Path,
    recovery_key: RecoveryKey,
    *,
    office: str,
    created_on: dt.date,
    office_id: str = "",
) -> None:
    """Write the kit to `target`, atomically and readable by its owner only."""
    styles = house.Styles()
    office = office.strip() or "Cabinet de courtage"
    story: list[Any] = [
        house.para(TITLE, styles.title),
        house.para(
            f"La clé de secours des données chiffrées de « {office} », établie le "
            f"{format_date(created_on)}.",
            styles.body,
        ),
        Spacer(1, 6 * mm),
        _KeyBlock(recovery_key.groups()),
        Spacer(1, 2 * mm),
        house.para(
            f"{LENGTH} caractères en {GROUPS} groupes de {GROUP}. Il n'y a ni I, ni L, ni O, ni "
            "U : 0 et 1 sont des chiffres. Tirets, espaces et majuscules sont facultatifs "
            "à la saisie." + (f" Fichier de clés n° {office_id}." if office_id else ""),
            styles.small,
        ),
        house.para("À quoi sert-elle ?", styles.h1),
        *house.bullets(
            [
                "Elle ouvre les données chiffrées du cabinet — la base des dossiers, les "
                "documents, les sauvegardes — quand aucun mot de passe ne le peut plus : mot "
                "de passe oublié, collaborateur parti, sauvegarde restaurée sur un nouvel "
                "ordinateur.",
                "Elle ne remplace pas les mots de passe : au quotidien, chacun se connecte "
                "avec le sien.",
                "Sans un mot de passe ni cette clé, personne ne peut récupérer les données : "
                "ni vous, ni le support de Dossia. Il n'existe aucune autre porte d'entrée.",
            ],
            styles,
        ),
        house.para("Où la conserver ?", styles.h1),
        *house.bullets(
            [
                "Imprimez cette page et rangez-la sous clé, hors du cabinet si possible : "
                "coffre, coffre bancaire, chez votre expert-comptable ou votre notaire.",
                "Ne la gardez ni sur l'ordinateur, ni avec les sauvegardes (clé USB, disque), "
                "ni dans un e-mail, une photo ou un service en ligne : qui la détient avec une "
                "sauvegarde lit tous les dossiers de vos clients.",
                "Une fois la page imprimée, supprimez ce fichier PDF et videz la corbeille.",
            ],
            styles,
        ),
        house.para("Comment l'utiliser ?", styles.h1),
        *house.bullets(
            [
                f"Quand Dossia vous la demande, saisissez les {GROUPS} groupes dans l'ordre ; "
                "une faute de frappe est signalée avant toute tentative, avec le groupe à "
                "vérifier.",
                "Elle agit avec le fichier de clés du cabinet : celui qui est à côté de la "
                "base de données, ou la copie que contient chaque sauvegarde.",
                "Un administrateur peut éditer un nouveau kit de secours : il remplace "
                "celui-ci, à détruire alors. L'ancienne clé ouvre encore les copies de "
                "sauvegarde faites avant le changement et gardées hors de l'ordinateur.",
            ],
            styles,
        ),
        Spacer(1, 6 * mm),
        house.para(
            "Document confidentiel : ne pas photocopier, numériser ni envoyer.", styles.label
        ),
    ]
    with atomic_path(target) as partial:
        house.build(
            partial, story, office=office, title=TITLE, author=office, printed_on=created_on
        )


class _KeyBlock(Flowable):
    """The key's groups, numbered, on a shaded panel: every character centred in a cell of
    the same width (the house font is proportional; the key must read as columns)."""

    def __init__(self, groups: list[str]) -> None:
        super().__init__()
        self.groups = groups
        self.rows = [groups[i : i + _PER_ROW] for i in range(0, len(groups), _PER_ROW)]
        self.group_width = GROUP * _SLOT
        self.row_height = _KEY_SIZE + 8 * mm
        self.padding = 6 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = len(self.rows) * self.row_height + 2 * self.padding
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(house.SHADE)
        canvas.setStrokeColor(house.ACCENT)
        canvas.setLineWidth(1)
        canvas.roundRect(0, 0, self.width, self.height, 3 * mm, stroke=1, fill=1)
        row_width = _PER_ROW * self.group_width + (_PER_ROW - 1) * _GAP
        left = (self.width - row_width) / 2
        number = 0
        for row_index, row in enumerate(self.rows):
            baseline = self.height - self.padding - (row_index + 1) * self.row_height + 3 * mm
            for column, group in enumerate(row):
                number += 1
                x = left + column * (self.group_width + _GAP)
                canvas.setFont(house.FONT, 7)
                canvas.setFillColor(house.MUTED)
                canvas.drawString(x, baseline + _KEY_SIZE + 0.5 * mm, str(number))
                canvas.setFillColor(house.INK)
                text = canvas.beginText()  # one text object a group: it is copied as one word
                text.setFont(house.BOLD, _KEY_SIZE)
                for position, char in enumerate(group):
                    advance = canvas.stringWidth(char, house.BOLD, _KEY_SIZE)
                    text.setTextOrigin(x + (position + 0.5) * _SLOT - advance / 2, baseline)
                    text.textOut(char)
                canvas.drawText(text)
        canvas.restoreState()
