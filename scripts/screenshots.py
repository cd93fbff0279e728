"""Render Dossia's screens to PNG, to look at them (and for the README).

    .venv/bin/python scripts/screenshots.py OUT_FOLDER [--db DEMO_DB] [--scale 1.25]

Without --db, a 300-dossier demo office is generated in a temporary folder. The screens
are drawn off-screen on a 1366 × 768 laptop screen (its task bar's 40 px aside), at the
given scale factor (125 %, 150 % as Windows sets them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCREEN = (1366, 728)  # 768 less a 40-px task bar


def _laptop_screen(scale: float) -> None:
    """Qt's off-screen platform with one 1366 × 768 screen (800 × 800 by default); the
    windows at their default places (none this user left)."""
    os.environ["DOSSIA_CONFIG_DIR"] = tempfile.mkdtemp()
    width, height = SCREEN
    screen = {
        "name": "laptop",
        "x": 0,
        "y": 0,
        "width": width,
        "height": height,
        "logicalDpi": 96,
        "logicalBaseDpi": 96,
        "dpr": 1,
    }
    config = Path(tempfile.mkdtemp()) / "screen.json"
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    if scale != 1:
        os.environ["QT_SCALE_FACTOR"] = str(scale)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--db")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    _laptop_screen(args.scale)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import datetime as dt

    from app.dossier.situation import ItemKind
    from app.listing import ListTab
    from app.paths import DataPaths
    from app.storage.database import Database
    from app.storage.schema import ensure_schema
    from app.workspace import OfficeDatabase
    from ui.launcher import create_application
    from ui.main_window import MainWindow

    paths = DataPaths(Path(args.db) if args.db else Path(tempfile.mkdtemp()) / "demo.sqlite3")
    if not paths.database.exists():
        from app.demo import build_demo

        ensure_schema(paths)
        database = Database(paths)
        build_demo(database, 300, seed=1, today=dt.date(2026, 11, 30))
        database.dispose()

    app = create_application()
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(office.authenticate("admin", "demo"))
    window = MainWindow(workspace)
    window.show()
    workspace.warm_up()
    window._counts.wait()
    for _ in range(3):
        app.processEvents()
    window.grab().save(str(out / "clients-list.png"))

    window.tabs.setCurrentIndex(1)
    client = next(
        window.model.row_at(r).id
        for r in range(window.model.rowCount())
        if len(workspace.household.get(window.model.row_at(r).id).children) >= 2
        and workspace.situation.get(window.model.row_at(r).id).items[ItemKind.LOAN]
    )
    dossier = window.open_dossier(client)
    app.processEvents()
    dossier.grab().save(str(out / "dossier-general.png"))
    for index, name in (
        (1, "dossier-emprunteurs.png"),
        (2, "dossier-enfants.png"),
        (3, "dossier-projet.png"),
        (4, "dossier-credit.png"),
        (5, "dossier-patrimoine.png"),
    ):
        dossier.view.tabs.setCurrentIndex(index)
        app.processEvents()
        dossier.grab().save(str(out / name))
    simulations = dossier.view.show_simulations()
    if not simulations.info.simulations:
        simulations.create()
    for _ in range(3):
        app.processEvents()
    dossier.grab().save(str(out / "dossier-simulations.png"))
    simulations.schedule_tabs.setCurrentWidget(simulations.chart)
    from PySide6.QtWidgets import QScrollArea

    area = simulations.parent()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parent()
    if area is not None:
        area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
    for _ in range(3):
        app.processEvents()
    dossier.grab().save(str(out / "dossier-simulations-chart.png"))
    documents = dossier.view.show_documents()
    _attach_samples(workspace, dossier.view.dossier_id, Path(tempfile.mkdtemp()))
    documents.reload()
    documents.tree.topLevelItem(0).child(0).setSelected(True)
    for _ in range(3):
        app.processEvents()
    dossier.grab().save(str(out / "dossier-documents.png"))
    pipeline = dossier.view.show_pipeline()
    for _ in range(3):
        app.processEvents()
    dossier.grab().save(str(out / "dossier-pipeline.png"))
    sending = pipeline.prepare_sending()
    for _ in range(3):
        app.processEvents()
    if sending is not None:
        sending.grab().save(str(out / "dialog-prepare-sending.png"))
        sending.reject()
    _invoice_samples(workspace, dossier.view.dossier_id)
    invoices = dossier.view.show_invoices()
    for _ in range(3):
        app.processEvents()
    dossier.grab().save(str(out / "dossier-invoices.png"))
    dossier.view.tabs.setCurrentIndex(0)
    for _ in range(3):
        app.processEvents()
    dossier.view.general.grab().save(str(out / "dossier-general-invoicing.png"))
    _ = invoices
    invoicing = window.open_invoicing()
    invoicing.resize(1366, 720)
    invoicing.refresh()
    for _ in range(3):
        app.processEvents()
    invoicing.grab().save(str(out / "invoicing-window.png"))
    invoicing.close()
    dossier.view.tabs.setCurrentIndex(0)
    from models.enums import DossierTab

    comment = dossier.view.open_comment(DossierTab.GENERAL)
    comment.rich.editor.setHtml(
        "<p>Clients <b>très motivés</b>, apport de 40 000 €.</p><ul><li>Bulletins reçus</li></ul>"
    )
    app.processEvents()
    comment.grab().save(str(out / "dialog-comment.png"))
    comment.reject()
    for name, opener in (
        ("dialog-abandon.png", dossier.view.actions.abandon),
        ("dialog-provenance.png", dossier.view.general.open_provenance),
        ("dialog-new-dossier.png", window.new_dossier),
    ):
        dialog = opener()
        app.processEvents()
        dialog.grab().save(str(out / name))
        dialog.reject()

    window.tabs.setCurrentIndex([*ListTab].index(ListTab.ABANDONED))
    abandoned = window.open_dossier(window.model.row_at(0).id)
    app.processEvents()
    abandoned.grab().save(str(out / "dossier-abandoned.png"))
    dialog = abandoned.view.actions.resume()
    app.processEvents()
    dialog.grab().save(str(out / "dialog-resume.png"))
    dialog.reject()
    abandoned.close()
    _list_screens(app, window, out)
    _other_windows(app, window, dossier, out)
    window.close()
    window.shut_down()  # as Dossia does when its event loop ends
    _start_screens(app, out)
    _index(out)
    print(f"screens written to {out}")
    return 0


# What each screen shows, for the folder's index (README.md); screens not named here are
# listed under their file name.
CAPTIONS = {
    "clients-list.png": "La liste des dossiers, onglet «\u00a0Prospects\u00a0»",
    "clients-list-all.png": "«\u00a0Tous\u00a0» : le statut de chaque dossier",
    "clients-list-abandoned.png": "«\u00a0Abandonnés\u00a0» : la date et le motif",
    "clients-list-no-match.png": "Une recherche qui ne trouve rien",
    "dossier-general.png": "Le dossier, onglet «\u00a0Général\u00a0»",
    "dossier-general-invoicing.png": "«\u00a0Général\u00a0» d'un dossier facturé (page entière)",
    "dossier-emprunteurs.png": "«\u00a0Emprunteurs\u00a0»",
    "dossier-enfants.png": "«\u00a0Enfants\u00a0»",
    "dossier-projet.png": "«\u00a0Projet\u00a0»",
    "dossier-credit.png": "«\u00a0Crédit\u00a0»",
    "dossier-patrimoine.png": "«\u00a0Patrimoine\u00a0»",
    "dossier-simulations.png": "«\u00a0Simulations\u00a0»",
    "dossier-simulations-chart.png": "Une simulation, son graphique",
    "dossier-documents.png": "«\u00a0Documents\u00a0»",
    "dossier-pipeline.png": "«\u00a0Pipeline\u00a0» : les envois aux banques",
    "dossier-invoices.png": "«\u00a0Facturation\u00a0» du dossier",
    "dossier-abandoned.png": "Un dossier abandonné",
    "invoicing-window.png": "La facturation du cabinet : les factures",
    "invoicing-window-2.png": "La facturation du cabinet : à facturer",
    "invoicing-window-3.png": "La facturation du cabinet : les relances",
    "calculator.png": "La calculatrice de financement",
    "first-start.png": "Le premier démarrage",
    "first-start-refused.png": "Le premier démarrage, un mot de passe refusé",
    "dialog-comment.png": "Un commentaire",
    "dialog-abandon.png": "Abandonner un dossier",
    "dialog-resume.png": "Reprendre un dossier abandonné",
    "dialog-provenance.png": "Changer la provenance",
    "dialog-new-dossier.png": "Nouveau dossier",
    "dialog-prepare-sending.png": "Préparer un envoi à une banque",
    "dialog-renumber-refused.png": "Renuméroter : un numéro déjà pris",
    "dialog-shortcuts.png": "Aide : les raccourcis clavier",
    "dialog-about.png": "À propos de Dossia",
    "dialog-export-c1.png": "Exporter C1 : filtres, colonnes, aperçu",
    "first-start-server.png": "Le premier démarrage d'un poste qui rejoint le serveur du cabinet",
    "dialog-connection.png": "Fichier › Connexion… : le serveur du cabinet",
    "dialog-migration.png": "Outils › Migrer vers le serveur du cabinet",
}


def _index(out: Path) -> None:
    """README.md of the folder: every screen, with what it shows."""
    lines = [
        "# Les écrans de Dossia",
        "",
        "Rendus par `scripts/screenshots.py` sur un écran de portable de 1366 × 768 (barre",
        "des tâches comprise), avec le cabinet de démonstration.",
        "",
    ]
    for image in sorted(out.glob("*.png"), key=lambda f: (f.name not in CAPTIONS, f.name)):
        caption = CAPTIONS.get(image.name) or image.stem.replace("-", " ").capitalize()
        lines += [f"## {caption}", "", f"![{caption}]({image.name})", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def _settle(app) -> None:
    for _ in range(4):
        app.processEvents()


def _list_screens(app, window, out: Path) -> None:
    """«Abandonnés», «Tous», a search that finds nothing."""
    from app.listing import ListTab

    for tab, name in ((ListTab.ABANDONED, "abandoned"), (ListTab.ALL, "all")):
        window.tabs.setCurrentIndex([*ListTab].index(tab))
        window._counts.wait()
        _settle(app)
        window.grab().save(str(out / f"clients-list-{name}.png"))
    window.search.setText("Zorglub")
    _settle(app)
    window.grab().save(str(out / "clients-list-no-match.png"))
    window.search.clear()
    _settle(app)


def _other_windows(app, window, dossier, out: Path) -> None:
    """Paramètres (each page), the calculator, Facturation's other tabs, the dialogs of
    the menus, a refusal in a dialog."""
    settings = window.open_settings()
    _settle(app)
    for number, title in enumerate(settings.page_names(), start=1):
        settings.show_page(title)
        _settle(app)
        slug = "".join(c if c.isalnum() else "-" for c in _ascii(title).lower()).strip("-")
        settings.grab().save(str(out / f"settings-{number:02d}-{slug}.png"))
        CAPTIONS[f"settings-{number:02d}-{slug}.png"] = f"Paramètres : {title}"
    settings.close()
    export = window.open_export_c1()
    for _ in range(40):  # the preview is read off the screen's thread, 250 ms after opening
        _settle(app)
        time.sleep(0.02)
    export.grab().save(str(out / "dialog-export-c1.png"))
    export.close()
    calculator = window.open_calculator()
    _settle(app)
    calculator.grab().save(str(out / "calculator.png"))
    calculator.close()
    invoicing = window.open_invoicing()
    _settle(app)
    for index in range(1, invoicing.tabs.count()):
        invoicing.tabs.setCurrentIndex(index)
        _settle(app)
        invoicing.grab().save(str(out / f"invoicing-window-{index + 1}.png"))
    invoicing.close()
    for name, opener in (
        ("dialog-shortcuts.png", window.show_shortcuts),
        ("dialog-about.png", window.about),
    ):
        box = opener()
        _settle(app)
        box.grab().save(str(out / name))
        box.reject()
    _server_dialogs(app, window, out)
    renumber = dossier.view.general.open_renumber()
    renumber.number_edit.setText("2026-00001")
    renumber.ok_button.click()
    _settle(app)
    renumber.grab().save(str(out / "dialog-renumber-refused.png"))
    renumber.reject()


def _server_dialogs(app, window, out: Path) -> None:
    """Fichier › Connexion… (the office's server chosen) and Outils › Migrer vers le
    serveur du cabinet… (filled in): what an office moving to its server sees."""
    from PySide6.QtWidgets import QLineEdit

    fields = (
        ("serverHostEdit", "serveur-cabinet"),
        ("serverDatabaseEdit", "dossia"),
        ("serverUserEdit", "dossia"),
    )
    connection = window.open_connection_settings()
    connection.server_radio.setChecked(True)
    for name, text in fields:
        connection.findChild(QLineEdit, name).setText(text)
    _settle(app)
    connection.grab().save(str(out / "dialog-connection.png"))
    connection.reject()
    migration = window.open_migration()
    for name, text in fields:
        migration.findChild(QLineEdit, name).setText(text)
    _settle(app)
    migration.grab().save(str(out / "dialog-migration.png"))
    migration.reject()


def _start_screens(app, out: Path) -> None:
    """What a new office sees first: the first-start form (refusing a short password)."""
    from PySide6.QtWidgets import QLineEdit

    from app.paths import DataPaths
    from ui.dialogs.login import FirstStartDialog

    first = FirstStartDialog(DataPaths(Path(tempfile.mkdtemp()) / "new" / "dossia.sqlite3"))
    first.show()
    _settle(app)
    first.grab().save(str(out / "first-start.png"))
    for name, text in (
        ("adminFirstNameEdit", "Hélène"),
        ("adminLastNameEdit", "Dubois"),
        ("adminLoginEdit", "hdubois"),
        ("adminPasswordEdit", "court"),
    ):
        first.findChild(QLineEdit, name).setText(text)
    first.ok_button.click()
    _settle(app)
    first.grab().save(str(out / "first-start-refused.png"))
    first.server_radio.setChecked(True)
    _settle(app)
    first.grab().save(str(out / "first-start-server.png"))
    first.reject()


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _invoice_samples(workspace, dossier_id: int) -> None:
    """The dossier's fees, issued; a commission draft."""
    import datetime as dt
    from dataclasses import replace

    from app.dossier.dossier_service import DossierDate
    from app.invoicing.invoices import PaymentData
    from models.enums import InvoiceKind, PaymentMeans

    service = workspace.invoices
    today = dt.date.today()
    detail = workspace.dossiers.get(dossier_id)
    for which, day in (
        (DossierDate.OFFER_SIGNED, detail.offer_signed_on or today),
        (DossierDate.FUNDS_RELEASED, detail.funds_released_on or today),
    ):  # fees are invoiced once the funds are released (L519-6)
        detail = workspace.dossiers.set_date(detail.id, detail.version, which, day)
    fees = service.propose(dossier_id, InvoiceKind.FEES)
    fees = replace(
        fees,
        amount_cents=fees.amount_cents or 2_500_00,
        recipient_address=fees.recipient_address or "3 rue Vauban 33000 Bordeaux",
    )
    draft = service.create_draft(dossier_id, fees, despite_flag=True).changed_id
    service.issue(draft)
    service.pay(draft, PaymentData(today, 1_000_00, PaymentMeans.TRANSFER, "VIR"))
    commission = service.propose(dossier_id, InvoiceKind.BANK_COMMISSION)
    if commission.recipient_name:
        commission = replace(commission, amount_cents=commission.amount_cents or 1_200_00)
        service.create_draft(dossier_id, commission, despite_flag=True)


def _attach_samples(workspace, dossier_id: int, folder: Path) -> None:
    """A payslip (PDF), an identity card (image) and an offer, as a broker would attach."""
    from PySide6.QtGui import QColor, QImage
    from reportlab.pdfgen.canvas import Canvas

    from models.enums import DocumentFolder

    payslip = folder / "Bulletin de salaire octobre 2026.pdf"
    canvas = Canvas(str(payslip))
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(72, 770, "BULLETIN DE SALAIRE — Octobre 2026")
    canvas.setFont("Helvetica", 11)
    for line, text in enumerate(
        (
            "Employeur : Airbus Operations SAS",
            "Salaire de base : 3 450,00 EUR",
            "Net à payer : 2 689,12 EUR",
        )
    ):
        canvas.drawString(72, 730 - 18 * line, text)
    canvas.save()
    card = folder / "Carte d'identité.png"
    image = QImage(640, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#dfe7ef"))
    image.save(str(card))
    info = workspace.documents.list(dossier_id)
    identity = next(s.item for s in info.checklist if s.item.label.startswith("Pièce d'identité"))
    info = workspace.documents.attach(dossier_id, info.version, [payslip])
    info = workspace.documents.attach(
        dossier_id, info.version, [card], DocumentFolder.SUPPORTING, identity.key
    )


if __name__ == "__main__":
    sys.exit(main())
