"""The warm-up after start (ui.warm_up): the first dossier opened right after the list's
first paint waits for it and is the same window as any later one; the imports pause while
the main window is built and carry on once it is painted."""

from __future__ import annotations

import functools
import threading
import time

import pytest
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QLabel, QWidget

import ui.dossier_window as dossier_window
import ui.warm_up as warm_up_module
from app.workspace import preload_steps
from ui.warm_up import WarmUp


def _shown(window) -> dict[str, object]:
    """What a dossier window shows: its title, every named label, button and box, its tabs."""
    view = window.view
    shown: dict[str, object] = {
        "title": window.windowTitle(),
        "tabs": [view.tabs.tabText(i) for i in range(view.tabs.count())],
        "complete": view.tabs_complete,
    }
    for kind in (QLabel, QAbstractButton):
        for widget in view.findChildren(kind):
            name = widget.objectName()
            if name and not name.startswith("qt_"):
                state = widget.isChecked() if isinstance(widget, QCheckBox) else None
                shown[f"{kind.__name__}:{name}"] = (widget.text(), widget.isEnabled(), state)
    return shown


def _first_id(main_window) -> int:
    return main_window.model.id_at(0)


def _reference(qtbot, main_window, dossier_id: int) -> dict[str, object]:
    """The same dossier opened once everything is warm, then closed."""
    main_window.warm_up.wait_done()
    window = main_window.open_dossier(dossier_id)
    qtbot.waitUntil(lambda: window.view.tabs_complete)
    shown = _shown(window)
    window.close()
    return shown


def test_the_first_dossier_opened_right_after_start_is_built_correctly(qtbot, main_window):
    dossier_id = _first_id(main_window)
    main_window.after_start()  # what the first paint triggers: the warm-up starts
    assert main_window.warm_up.started
    window = main_window.open_dossier(dossier_id)  # at once, as a quick double-click would
    qtbot.addWidget(window)
    assert main_window.warm_up.ready  # it waited for the services, not alongside them
    assert window.dossier_id == dossier_id
    assert window.view.detail is not None and window.view.detail.id == dossier_id
    assert window.findChild(QWidget, "dossierView") is window.view
    assert window.findChild(QLabel, "dossierNumberLabel").text() == window.view.detail.number
    qtbot.waitUntil(lambda: window.view.tabs_complete)  # the other tabs, right after its paint
    first = _shown(window)
    window.close()
    assert first == _reference(qtbot, main_window, dossier_id)


def test_the_warm_up_reads_the_list_first_dossier_once(qtbot, main_window):
    main_window.after_start()
    main_window.warm_up.wait_done()
    assert main_window.warm_up.rehearsed == _first_id(main_window)
    assert main_window.warm_up.ready


def test_opening_before_the_warm_up_finished_gives_the_same_window(qtbot, main_window, monkeypatch):
    """The warm-up held up in its imports: the opening waits for it (never importing the
    same modules alongside) and shows what a later opening shows."""
    gate = threading.Event()
    entered = threading.Event()

    def slow_step() -> None:
        entered.set()
        assert gate.wait(30)

    monkeypatch.setattr(warm_up_module, "preload_steps", _steps_with(slow_step))
    dossier_id = main_window.model.id_at(1)
    main_window.after_start()
    assert entered.wait(30)
    assert not main_window.warm_up.ready
    threading.Timer(0.2, gate.set).start()  # the imports end while the GUI thread waits
    window = main_window.open_dossier(dossier_id)
    qtbot.addWidget(window)
    assert gate.is_set() and main_window.warm_up.ready
    qtbot.waitUntil(lambda: window.view.tabs_complete)
    first = _shown(window)
    window.close()
    assert first == _reference(qtbot, main_window, dossier_id)


def test_a_spare_window_waits_for_the_warm_up(qtbot, main_window, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(warm_up_module, "preload_steps", _steps_with(lambda: gate.wait(30)))
    main_window.after_start()
    main_window.dossier_windows._build_spare()  # its time came: not while the modules import
    assert main_window.dossier_windows._spare is None
    gate.set()
    qtbot.waitUntil(lambda: main_window.spare_ready, timeout=10_000)  # a tab at a time
    window = main_window.open_dossier(_first_id(main_window))
    qtbot.addWidget(window)
    assert window.view.tabs_complete  # the prepared window, built in full


def _steps_with(first_step):
    real = preload_steps

    def steps(later: bool = False):
        return real(later) if later else (first_step, *real())

    return steps


def test_the_imports_pause_while_the_main_window_is_built(workspace, monkeypatch):
    """Begun at the login dialog, held once the password is accepted, carried on after the
    first paint; the steps run in order, each once."""
    ran: list[str] = []
    gate = threading.Event()
    entered = threading.Event()
    leaving = threading.Event()

    def first() -> None:
        ran.append("first")
        entered.set()
        assert gate.wait(30)
        leaving.set()

    def second() -> None:
        ran.append("second")

    def later_step() -> None:
        ran.append("later")

    monkeypatch.setattr(
        warm_up_module,
        "preload_steps",
        lambda later=False: (later_step,) if later else (first, second),
    )
    warm_up = WarmUp()
    warm_up.preload()  # the login dialog is shown
    assert entered.wait(30)
    warm_up.hold()  # the password was accepted: the main window is being built
    gate.set()
    assert leaving.wait(30)  # the first step ends; the second waits for the paint
    assert ran == ["first"] and not warm_up.ready
    warm_up.start(workspace)  # the list is painted
    assert warm_up.wait_ready(30)
    warm_up.wait_done()
    assert ran == ["first", "second", "later"]
    assert not warm_up._thread.is_alive()


def test_the_steps_after_an_opening_wait_for_its_window_to_paint(qtbot, main_window, monkeypatch):
    """The dossier opened right after start goes first: the warm-up's remaining steps (the
    other tabs' modules, the other services) pause until its window is painted, then go on."""
    ran: list[str] = []
    real = preload_steps
    monkeypatch.setattr(
        warm_up_module,
        "preload_steps",
        lambda later=False: (lambda: ran.append("later"), *real(True)) if later else real(),
    )
    main_window.show()
    qtbot.waitExposed(main_window)
    main_window.after_start()
    window = main_window.open_dossier(_first_id(main_window))  # waits for the imports only
    qtbot.addWidget(window)
    assert main_window.warm_up.ready
    holding = main_window.warm_up._thread.is_alive()
    assert holding and main_window.warm_up._yielding == 1  # given way to the window
    assert "later" not in ran  # nothing of step 3 ran meanwhile (its first step waits too)
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: "later" in ran, timeout=10_000)  # painted: the warm-up goes on
    main_window.warm_up.wait_done()
    assert not main_window.warm_up._thread.is_alive()


def test_an_opening_while_held_lets_the_imports_go_on(workspace, monkeypatch):
    """Nothing stays held when the GUI itself waits (a dossier opened before the paint's
    hand-over, as a test or a script may do)."""
    ran: list[str] = []
    monkeypatch.setattr(
        warm_up_module,
        "preload_steps",
        lambda later=False: () if later else (lambda: ran.append("step"),),
    )
    warm_up = WarmUp()
    warm_up.hold()
    warm_up.preload()
    assert warm_up.wait_ready(30)  # imports done: a window may be built
    assert ran == ["step"]
    warm_up.stop()
    assert not warm_up._thread.is_alive()


def test_stopping_a_held_warm_up_ends_it_at_once(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(
        warm_up_module,
        "preload_steps",
        lambda later=False: () if later else (lambda: ran.append("step"),),
    )
    warm_up = WarmUp()
    warm_up.hold()
    warm_up.preload()
    warm_up.stop(30)  # the login was cancelled, or the main window closed before its paint
    assert not warm_up._thread.is_alive()
    assert ran == []
    assert warm_up.wait_ready(0)


def test_without_a_warm_up_nothing_waits():
    warm_up = WarmUp()
    assert warm_up.ready and not warm_up.started
    assert warm_up.wait_ready(0)
    warm_up.wait_done(0)
    warm_up.stop(0)


@pytest.mark.parametrize("failing", ["import", "rehearsal"])
def test_a_failing_warm_up_never_blocks_an_opening(qtbot, main_window, monkeypatch, failing):
    def broken() -> None:
        raise RuntimeError("warm-up broken on purpose")

    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # its traceback: expected
    if failing == "import":
        monkeypatch.setattr(warm_up_module, "preload_steps", _steps_with(broken))
    else:
        monkeypatch.setattr(type(main_window.workspace), "comments", property(lambda _: broken()))
    main_window.warm_up.start(main_window.workspace, _first_id(main_window))
    assert main_window.warm_up.wait_ready(30)
    if failing == "rehearsal":
        monkeypatch.undo()
    window = main_window.open_dossier(_first_id(main_window))
    qtbot.addWidget(window)
    assert window.view.detail is not None


def test_a_window_taken_half_prepared_shows_the_same_dossier(qtbot, main_window):
    """The prepared window grows a tab per pass of the event loop; opened before it is
    complete, it builds the rest after its paint and shows what a fresh one shows."""
    from ui.dossier_window import DossierWindow

    dossier_id = main_window.model.id_at(2)
    expected = _reference(qtbot, main_window, dossier_id)
    main_window.dossier_windows._spare = spare = DossierWindow(
        main_window.workspace, complete=False
    )
    assert spare.view.build_next_tab() and spare.view.build_next_tab()
    assert not spare.view.tabs_complete
    window = main_window.open_dossier(dossier_id)
    qtbot.addWidget(window)
    assert window is spare
    qtbot.waitUntil(lambda: window.view.tabs_complete)
    assert _shown(window) == expected


# --- the dossier windows go first (give_way), and nothing stays paused (from a review) ---


def test_a_cancelled_new_dossier_leaves_nothing_paused(qtbot, main_window, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(warm_up_module, "preload_steps", _steps_with(lambda: gate.wait(30)))
    main_window.after_start()
    threading.Timer(0.3, gate.set).start()  # the imports end while the GUI waits for them
    dialog = main_window.new_dossier()
    dialog.reject()  # the user changes their mind
    main_window.warm_up.wait_done(10)
    assert not main_window.warm_up._thread.is_alive()


def test_quitting_after_a_cancelled_new_dossier_does_not_wait(qtbot, workspace, monkeypatch):
    from ui.main_window import MainWindow

    gate = threading.Event()
    monkeypatch.setattr(warm_up_module, "preload_steps", _steps_with(lambda: gate.wait(30)))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    window.after_start()
    threading.Timer(0.3, gate.set).start()
    window.new_dossier().reject()
    window.close()
    began = time.monotonic()
    window.shut_down()  # the event loop ended (quit)
    assert time.monotonic() - began < 5


def test_an_opening_before_the_hand_over_does_not_pause_the_warm_up_for_ever(qtbot, workspace):
    """The login path: imports begun at the dialog and held; a dossier opened before the
    list's paint hands over (a script, a test); its window painted; then the hand-over."""
    from ui.main_window import MainWindow

    warm_up = WarmUp()
    warm_up.preload()  # the login dialog
    warm_up.hold()  # the password accepted
    window = MainWindow(workspace, warm_up)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.counts_pending)
    window.open_dossier(window.model.id_at(0))
    qtbot.waitUntil(lambda: warm_up._yielding == 0)  # its window painted
    window.after_start()  # the list's paint hands over
    warm_up.wait_done(10)
    alive = warm_up._thread.is_alive()
    window.close()
    window.shut_down()
    assert not alive


class _SlowWorkspace:
    """Step 2 (the services read) takes a while: an office on a slow server."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()

    @property
    def dossiers(self):
        self.entered.set()
        assert self.gate.wait(30)

    household = situation = comments = None


def test_stopping_during_step_2_ends_the_warm_up_at_once(monkeypatch):
    monkeypatch.setattr(
        warm_up_module, "preload_steps", lambda later=False: () if later else (lambda: None,)
    )
    warm_up = WarmUp()
    warm_up.preload()
    release = warm_up.give_way(30)  # a dossier opened before the hand-over…
    workspace = _SlowWorkspace()
    warm_up.start(workspace)  # type: ignore[arg-type]
    assert workspace.entered.wait(30)
    threading.Timer(0.3, workspace.gate.set).start()  # step 2 ends once quitting began
    began = time.monotonic()
    warm_up.stop(5)  # …and the application quits before its window painted
    assert time.monotonic() - began < 3 and not warm_up._thread.is_alive()
    release()  # late: nothing left to release


def test_two_windows_opened_before_either_painted_both_go_first(workspace, monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(
        warm_up_module,
        "preload_steps",
        lambda later=False: (lambda: ran.append("later"),) if later else (),
    )
    monkeypatch.setattr(dossier_window, "later_tab_classes", lambda: ran.append("tabs"))
    warm_up = WarmUp()
    warm_up.start(workspace, None)
    release_first = warm_up.give_way(30)  # dossier A: its window built, not painted yet
    time.sleep(0.3)
    release_second = warm_up.give_way(30)  # B opened before A's paint
    time.sleep(0.3)
    assert ran == []  # step 3 held for both
    release_first()
    release_first()  # its timer after its paint: once only
    time.sleep(0.3)
    assert ran == []  # B still being painted
    release_second()
    warm_up.wait_done(10)
    assert ran == ["tabs", "later"] and not warm_up._thread.is_alive()


def _spied_tab_imports(monkeypatch) -> list[tuple[str, str]]:
    """The tab modules' imports, slowed down (as under load) and recorded per thread."""
    calls: list[tuple[str, str]] = []
    body = dossier_window._tab_classes.__wrapped__

    @functools.cache
    def spy():
        name = threading.current_thread().name
        calls.append((name, "enter"))
        time.sleep(0.3)
        try:
            return body()
        finally:
            calls.append((name, "exit"))

    monkeypatch.setattr(dossier_window, "_tab_classes", spy)
    return calls


def test_the_first_window_and_the_warm_up_never_import_the_tabs_together(
    qtbot, main_window, monkeypatch
):
    calls = _spied_tab_imports(monkeypatch)
    qtbot.waitExposed(main_window)
    main_window.after_start()
    window = main_window.open_dossier(main_window.model.id_at(0))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.tabs_complete, timeout=10_000)
    main_window.warm_up.wait_done(10)
    assert [what for _name, what in calls] == ["enter", "exit"]  # once, on one thread


def test_the_spare_window_and_the_warm_up_never_import_the_tabs_together(
    qtbot, main_window, monkeypatch
):
    calls = _spied_tab_imports(monkeypatch)
    main_window.after_start()  # no dossier opened: nothing gives way
    qtbot.waitUntil(lambda: main_window.spare_ready, timeout=10_000)
    main_window.warm_up.wait_done(10)
    assert [what for _name, what in calls] == ["enter", "exit"]


def test_an_opening_never_waits_for_another_window_to_paint(workspace, monkeypatch):
    """The GUI thread waiting for steps 1 and 2 (a second window) while a first window,
    opened before the hand-over, has not painted yet: steps 1 and 2 do not wait for that
    paint (the GUI thread that would paint it is the one waiting)."""
    monkeypatch.setattr(
        warm_up_module, "preload_steps", lambda later=False: () if later else (lambda: None,)
    )
    warm_up = WarmUp()
    warm_up.preload()
    release_first = warm_up.give_way(30)  # its window not painted yet
    warm_up.start(workspace)
    began = time.monotonic()
    release_second = warm_up.give_way(10)
    assert time.monotonic() - began < 5 and warm_up.ready
    release_first()
    release_second()
    warm_up.wait_done(10)
    assert not warm_up._thread.is_alive()
