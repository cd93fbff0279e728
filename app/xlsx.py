"""Excel workbooks as Dossia writes them (XlsxWriter): text never read as a formula, a URL
or a number; large sheets streamed to scratch files in a private folder (they hold clients'
names: not the shared temporary folder), removed whatever happens; a file the disk refuses
raised as the OSError it is."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def workbook(path: Path, title: str = "", streamed: bool = True) -> Iterator[Any]:
    """A workbook writing `path`, closed (written) when the block ends without an error.
    `streamed`: constant-memory mode, each sheet written a row at a time, in order."""
    import xlsxwriter  # 0.1 s: only when a workbook is made
    from xlsxwriter.exceptions import FileCreateError

    with tempfile.TemporaryDirectory(prefix="dossia-") as scratch:
        book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": streamed,
                "tmpdir": scratch,
            },
        )
        if title:
            book.set_properties({"title": title, "author": "Dossia"})
        try:
            yield book
            book.close()
        except FileCreateError as error:  # the disk refused the workbook: an OSError
            # XlsxWriter raises it inside its `except OSError as e` (the OSError is its
            # context and its argument): the OSError, with its errno, is what callers read.
            found = [error.__cause__, error.__context__, *error.args]
            cause = next((e for e in found if isinstance(e, OSError)), None)
            raise cause if cause is not None else OSError(str(error)) from None
        finally:
            for sheet in book.worksheets():  # the scratch files closed, so they can go
                if sheet.row_data_fh is not None and not sheet.row_data_fh_closed:
                    sheet.row_data_fh.close()
                    sheet.row_data_fh_closed = True
