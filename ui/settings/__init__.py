"""«Paramètres» (managers and administrators): one module per page, its dialogs beside it.

The pages share `list_page.ListPage` (tables, buttons, selection, dialogs, activation) and
`list_page.Page` (running a command and showing its refusal).
"""

from ui.settings.users import PasswordDialog
from ui.settings.window import SettingsWindow

__all__ = ["PasswordDialog", "SettingsWindow"]
