"""«Liste des pièces à fournir»: for the client, what the broker still needs, grouped by
borrower, in the office's house style. Only what is missing is listed; what has come in is
counted, so that the client sees the progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reportlab.platypus import Spacer

from app.documents.checklist import SUBJECT, ChecklistLetter, Item
from app.office.company import letterhead_lines
from app.pdf import house
from app.text import format_date


def write_checklist(
    data: ChecklistLetter, target: Path, stop: Callable[[], bool] | None = None
) -> None:
    styles = house.Styles()
    office = data.company.name or "Cabinet de courtage"
    story: list[Any] = house.letterhead(letterhead_lines(data.company), data.logo, styles)
    story += [
        house.para(SUBJECT, styles.title),
        house.para(
            f"Dossier {data.dossier_number} — {', '.join(data.borrowers)}, le "
            f"{format_date(data.printed_on)}.",
            styles.small,
        ),
        house.SPACE,
    ]
    if not data.missing:
        story.append(
            house.para(
                "Nous avons reçu toutes les pièces nécessaires à votre dossier : merci !",
                styles.body,
            )
        )
    else:
        count = len(data.missing)
        story.append(
            house.para(
                "Pour présenter votre demande de financement aux banques, merci de nous faire "
                f"parvenir {'la pièce suivante' if count == 1 else f'les {count} pièces suivantes'}"
                + (
                    f" (nous avons déjà reçu {data.received} "
                    f"pièce{'s' if data.received > 1 else ''})."
                    if data.received
                    else "."
                ),
                styles.body,
            )
        )
        for heading, items in _groups(data.missing, data.borrowers):
            paragraphs = house.bullets([item.label for item in items], styles)
            story.append(house.heading_with(paragraphs[0], house.para(heading, styles.h2)))
            story += paragraphs[1:]
        story += [
            Spacer(1, 6),
            house.para(
                "Des copies lisibles suffisent (PDF, photos nettes) ; les bulletins et relevés "
                "doivent être complets, toutes pages comprises.",
                styles.small,
            ),
        ]
    if data.broker:
        story += [house.SPACE, house.para(f"Votre courtier : {data.broker}", styles.body)]
    house.build(
        target,
        story,
        office=office,
        title=f"{SUBJECT} — dossier {data.dossier_number}",
        author=office,
        printed_on=data.printed_on,
        stop=stop,
    )


def _groups(missing: Sequence[Item], borrowers: Sequence[str]) -> list[tuple[str, list[Item]]]:
    """The household's pieces first, then each borrower's, in their order."""
    groups: list[tuple[str, list[Item]]] = []
    household = [item for item in missing if not item.borrower]
    if household:
        groups.append(("Pour le foyer", household))
    for name in borrowers:
        own = [item for item in missing if item.borrower == name]
        if own:
            groups.append((f"Pour {name}", own))
    return groups
