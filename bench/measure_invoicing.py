"""«Facturation» on a big office: the window opened, its filters, «À facturer», issuing an
invoice with its PDF, the sales journal of a year.

    python bench/measure_invoicing.py OFFICE.sqlite3

Prints one JSON line of medians (ms). Issues invoices: run it on a copy.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.invoicing.office_invoicing import InvoiceFilter  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.storage.schema import ensure_schema  # noqa: E402
from app.workspace import OfficeDatabase  # noqa: E402
from models.enums import InvoiceKind  # noqa: E402


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def timed(function, runs: int = 7) -> float:
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        spent.append(time.perf_counter() - start)
    return ms(statistics.median(spent))


def main() -> None:
    app = QApplication(sys.argv)
    paths = DataPaths(Path(sys.argv[1]))
    ensure_schema(paths)
    office = OfficeDatabase(paths)
    workspace = office.workspace_for(
        office.authenticate("admin", os.environ.get("DOSSIA_PASSWORD", "demo"))
    )
    invoicing = workspace.office_invoicing
    with workspace.database.read() as session:
        from sqlalchemy import func, select

        from models.office import Invoice, Payment

        invoices = session.scalar(select(func.count(Invoice.id)))
        payments = session.scalar(select(func.count(Payment.id)))
    year = time.localtime().tm_year
    import datetime as dt

    start_of_year = dt.date(year, 1, 1)
    figures: dict[str, object] = {"invoices": invoices, "payments": payments}
    figures["search_year_ms"] = timed(lambda: invoicing.search(InvoiceFilter(start=start_of_year)))
    figures["search_text_ms"] = timed(lambda: invoicing.search(InvoiceFilter(text="DURAND")))
    figures["search_late_ms"] = timed(lambda: invoicing.search(InvoiceFilter(status="En retard")))
    figures["to_invoice_ms"] = timed(invoicing.to_invoice)

    from ui.invoicing_window import InvoicingWindow

    def open_window():
        window = InvoicingWindow(workspace, lambda _id: None)
        window.show()
        app.processEvents()
        window.close()
        window.deleteLater()
        app.processEvents()

    open_window()  # imports
    figures["window_open_ms"] = timed(open_window, 5)

    with tempfile.TemporaryDirectory() as folder:
        figures["journal_year_xlsx_ms"] = timed(
            lambda: invoicing.write_journal(
                start_of_year, dt.date.today(), Path(folder) / "journal.xlsx"
            ),
            3,
        )
        # Issue an invoice and print it, on dossiers whose funds are released.
        with workspace.database.read() as session:
            from models.dossier import Dossier

            released = list(
                session.scalars(
                    select(Dossier.id).where(Dossier.funds_released_on.is_not(None)).limit(7)
                )
            )
        service = workspace.invoices
        spent = []
        for dossier_id in released:
            data = service.propose(dossier_id, InvoiceKind.FEES)
            data = replace(
                data,
                amount_cents=data.amount_cents or 1_500_00,
                recipient_address=data.recipient_address or "1 rue de la Paix 75002 Paris",
            )
            draft = service.create_draft(dossier_id, data, despite_flag=True).changed_id
            start = time.perf_counter()
            service.issue(draft)
            service.write_pdf(draft, Path(folder) / f"{draft}.pdf")
            spent.append(time.perf_counter() - start)
        figures["issue_with_pdf_ms"] = ms(statistics.median(spent[1:] or spent))
    workspace.close()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
