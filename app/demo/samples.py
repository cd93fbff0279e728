"""The demo office's documents: a handful of small one-page PDFs, each stored once however
many dossiers hold it (the store is content-addressed), and what piece each answers."""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.storage.documents import DocumentStore

# (title shown in the dossier, file name, the piece it answers: the start of its label)
SAMPLES = (
    ("Carte d'identité", "carte-identite.pdf", "Pièce d'identité"),
    ("Bulletins de salaire", "bulletins-salaire.pdf", "3 derniers bulletins de salaire"),
    ("Attestation employeur", "attestation-employeur.pdf", "Contrat de travail"),
    ("Avis d'imposition 2025", "avis-imposition-2025.pdf", "2 derniers avis d'imposition"),
    ("Relevés de compte", "releves-compte.pdf", "3 derniers relevés"),
    ("Facture d'électricité", "facture-electricite.pdf", "Justificatif de domicile"),
    ("Livret de famille", "livret-famille.pdf", "Livret de famille"),
    ("Compromis de vente", "compromis-vente.pdf", "Compromis de vente"),
    ("Relevé d'épargne", "releve-epargne.pdf", "Relevés d'épargne"),
    ("Bilans 2023-2024", "bilans.pdf", "3 derniers bilans"),
)


def store_samples(store: DocumentStore) -> dict[str, tuple[str, int, str, str]]:
    """Write the sample files into the store; by piece label start: (hash, size, file name,
    title)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    stored = {}
    with tempfile.TemporaryDirectory(prefix="dossia-demo-") as folder:
        for title, filename, piece in SAMPLES:
            path = Path(folder) / filename
            canvas = Canvas(str(path), pagesize=A4, invariant=True)
            canvas.setTitle(f"{title} — document de démonstration")
            canvas.setFont("Helvetica-Bold", 18)
            canvas.drawString(72, 770, title.upper())
            canvas.setFont("Helvetica", 11)
            for line, text in enumerate(
                (
                    "Document de démonstration : aucune donnée réelle.",
                    "Dossia — cabinet de démonstration",
                )
            ):
                canvas.drawString(72, 730 - 18 * line, text)
            canvas.rect(72, 420, 450, 260)
            canvas.save()
            content_hash, size = store.put(path)
            stored[piece] = (content_hash, size, filename, title)
    return stored
