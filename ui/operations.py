"""One way to run a command from a screen.

`attempt(call)` runs a service call and sorts what comes back: the result, a refusal (a
`DomainError` whose French message may name a field), a version conflict (someone saved the
record meanwhile) or a record that no longer exists. Screens then react with the helpers
below, always the same way:

- a refusal is shown next to its field (`show_refusal`: message under the form, the field
  marked and focused) or, without a form, in the screen's message bar or a dialog;
  what the user typed stays on screen;
- a conflict reloads the record and says so, keeping what was typed (dialogs stay open);
- a vanished record disables the screen with its message.

What a successful command changed is said by the command itself (`app.changes.Change` on
the dossier read models), so that screens refresh only that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from PySide6.QtWidgets import QWidget

from app.errors import ConflictError, DomainError, NotFound

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

CONFLICT_KEPT = (
    "Le dossier a été modifié ailleurs entre-temps ; il vient d'être rechargé. "
    "Vos saisies sont conservées : vérifiez-les puis validez à nouveau."
)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of a command: exactly one of the four is set (value may be None)."""

    value: T | None = None
    refusal: DomainError | None = None
    conflict: ConflictError | None = None
    gone: NotFound | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def problem(self) -> DomainError | None:
        """Whatever stopped the command, for screens that show every case the same way."""
        return self.refusal or self.conflict or self.gone


def attempt(call: Callable[[], T]) -> Outcome[T]:
    """Run `call`; a DomainError becomes part of the outcome, anything else propagates (a
    bug: the crash handler logs it and tells the user their data is safe)."""
    try:
        return Outcome(value=call())
    except ConflictError as error:
        return Outcome(conflict=_settled(error))
    except NotFound as error:
        return Outcome(gone=_settled(error))
    except DomainError as error:
        return Outcome(refusal=_settled(error))


def _settled(error: E) -> E:
    """An expected refusal needs no traceback; keeping it would keep every calling frame
    (and the windows they reference) alive in a reference cycle until the next GC."""
    return error.with_traceback(None)


class MessageShower(Protocol):
    def show_message(self, message: str) -> None: ...


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Draw a field as refused (red border from the style sheet) or normal again."""
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def clear_refusal(fields: Mapping[str, QWidget]) -> None:
    for widget in fields.values():
        mark_invalid(widget, False)


def show_refusal(error: DomainError, message: MessageShower, fields: Mapping[str, QWidget]) -> None:
    """The French message under the form; the field it names marked and focused."""
    message.show_message(error.message)
    widget = fields.get(error.field or "")
    if widget is not None:
        mark_invalid(widget, True)
        widget.setFocus()


def show_failure(error: BaseException, label, failed: str) -> None:
    """Work done off the GUI thread failed: a refusal says its message, a disk error says
    `failed` («La synthèse n'a pas pu être écrite») and why, in `label`; anything else is a
    bug and is raised (to the crash handler)."""
    if isinstance(error, DomainError):
        label.show_message(error.message)
    elif isinstance(error, OSError):
        label.show_message(f"{failed} : {error.strerror}.")
    else:
        raise error
