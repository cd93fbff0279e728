"""Getting the first dossier ready while the user looks at the list (issue 18).

Opening a dossier needs SQLAlchemy and the ORM (≈ 0.3–0.5 s of imports), the models, the
dossier services, the dossier window's modules and, the first time, the mappers configured and
the statements compiled (≈ 0.05 s). The list's first paint must not wait for any of it, so one
background thread does it all, in the order the first opening needs it:

1. the imports (`app.workspace.preload_steps`, the mappers configured, the dossier window's
   module). They may begin while the login dialog waits for the password (`preload`): the
   GUI is idle then, and they go on with what the other tabs import until the password is
   accepted. They then pause between two steps (`hold`) until the list is painted, so that
   they do not slow the main window's first paint down;
2. once the list is on screen (`start`): the services a dossier window reads, and one dossier
   (the list's first) read once — the mappers configured, the statements compiled, its pages
   in SQLite's cache;
3. the rest: the other tabs' modules (`ui.dossier_window.later_tab_classes`: a window
   builds them once its «Général» is painted) and services if not done yet, then the
   workspace's own warm-up.

A dossier opened meanwhile waits for steps 1 and 2 (`wait_ready`) instead of importing the
same modules on the GUI thread at the same time (two threads importing one package at once
slow each other down and can meet a half-initialised module) or compiling the same
statements twice; the GIL is the thread's while the GUI thread waits. Then step 3 pauses
(`give_way`) until that dossier's window is painted: each of Qt's calls that lets the GIL go
would otherwise wait for this thread to give it back (up to 5 ms each; ≈ 60 ms of a first
opening under load).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator

from app.errors import DomainError
from app.workspace import Workspace, preload_steps


class WarmUp:
    """The background preparation of the dossier windows of one opened office (one thread,
    started once by `preload` or `start`)."""

    def __init__(self) -> None:
        self._go = threading.Event()  # cleared by hold(): pause between two imports
        self._go.set()
        self._imported = threading.Event()  # step 1 done (or failed)
        self._handed = threading.Event()  # start() gave the workspace
        self._ready = threading.Event()  # steps 1 and 2 done (or failed)
        self._stopping = False
        self._turn = threading.Condition()  # step 3 waits on it for the windows to paint
        self._yielding = 0  # dossier windows given way to and not painted yet (give_way)
        self._thread: threading.Thread | None = None
        self._workspace: Workspace | None = None
        self._dossier_id: int | None = None
        self.rehearsed: int | None = None  # the dossier read in step 2, if one was

    # --- driven by the launcher and the main window (GUI thread) ---

    def preload(self) -> None:
        """Begin the imports now: the GUI is idle (the login dialog waits for the user)."""
        self._launch()

    def hold(self) -> None:
        """The GUI is busy (the main window is being built): pause after the current step,
        until `start` or `wait_ready`."""
        self._go.clear()

    def start(self, workspace: Workspace, dossier_id: int | None = None) -> None:
        """The list is on screen: go on (or begin), then prepare `workspace`'s dossier
        windows; `dossier_id`: a dossier to read once, the one most likely opened first."""
        if self._handed.is_set():
            return
        self._workspace = workspace
        self._dossier_id = dossier_id
        self._handed.set()
        self._go.set()
        self._launch()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def ready(self) -> bool:
        """A dossier window can be built and filled without waiting for the thread."""
        if self._thread is None:
            return True
        if not self._handed.is_set():
            return self._imported.is_set()
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = 30.0) -> bool:
        """Block until a dossier window can be built and filled without importing or
        compiling anything that the thread is busy with (at once when no thread runs).
        False if it timed out."""
        if self._thread is None:
            return True
        self._go.set()  # the GUI waits for it: nothing to hold it back for any more
        if not self._handed.is_set():
            return self._imported.wait(timeout)
        return self._ready.wait(timeout)

    def give_way(self, timeout: float | None = 30.0) -> Callable[[], None]:
        """A dossier window is about to be built: wait as `wait_ready` does; what remains
        (step 3) then waits, between two of its steps, until the returned `release` is
        called (once the window is painted; a second call does nothing), so that the window
        is built and painted with the GIL to itself. Several windows: until all have."""
        released = False

        def release() -> None:
            nonlocal released
            with self._turn:
                if not released:
                    released = True
                    self._yielding -= 1
                    self._turn.notify_all()

        with self._turn:
            self._yielding += 1
        self.wait_ready(timeout)
        return release

    def wait_done(self, timeout: float | None = 30.0) -> None:
        """Wait for the whole warm-up (a worker that would otherwise import alongside it)."""
        if self._thread is not None and self._handed.is_set():
            self._thread.join(timeout)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Before the database is closed: finish the current step and stop."""
        self._stopping = True
        self._go.set()
        self._handed.set()
        with self._turn:
            self._turn.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- the thread ---

    def _launch(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._prepare()
        finally:  # whatever happened, nobody waits for ever
            self._imported.set()
            self._ready.set()

    def _prepare(self) -> None:
        try:
            with _no_collection():
                for step in preload_steps():
                    self._go.wait()
                    if self._stopping:
                        return
                    step()
                self._go.wait()
                import ui.dossier_window  # «Général»'s widgets and their modules
        finally:
            self._imported.set()
        later = [ui.dossier_window.later_tab_classes, *preload_steps(later=True)]
        with _no_collection():
            while later and not self._handed.is_set():  # still at the login dialog: go on
                self._go.wait()
                if not self._handed.is_set():
                    later.pop(0)()
        self._handed.wait()
        workspace, dossier_id = self._workspace, self._dossier_id
        if self._stopping or workspace is None:
            return
        try:
            _ = (workspace.dossiers, workspace.household, workspace.situation)
            _ = workspace.comments
            if dossier_id is not None:
                with contextlib.suppress(DomainError):  # gone, or not this user's
                    workspace.dossiers.get(dossier_id)
                    workspace.household.get(dossier_id)
                    workspace.situation.get(dossier_id)
                    workspace.comments.list(dossier_id)
                    self.rehearsed = dossier_id
        finally:
            self._ready.set()  # a failure above shows again on the GUI thread, when it opens
        for step in later:
            if not self._my_turn():
                return
            step()
        if self._my_turn():
            _ = workspace.simulations  # the «Simulations» tab, filled after the first paint
            workspace.warm_up()
            gc.freeze()

    def _my_turn(self) -> bool:
        """Wait until the GUI lets the next step run: not held (`hold`), no dossier window
        waiting for its first paint (`give_way`). False if stopping."""
        self._go.wait()
        with self._turn:
            self._turn.wait_for(lambda: self._yielding <= 0 or self._stopping)
        return not self._stopping


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """What imports make lives as long as the process. No collection in the middle of them
    (≈ 25 ms each, walking everything imported so far, all of it alive), and afterwards out
    of the collector's sight (gc.freeze): its full collections, ≈ 60 ms with the GIL held
    on whichever thread they fell (the main window's first paint after the login dialog,
    a keystroke, an opening), then walk only what was made since."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
