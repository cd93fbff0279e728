"""«Paramètres» (managers and administrators): one module per page, its dialogs beside it.

The pages share `list_page.ListPage` (tables, buttons, selection, dialogs, activation),
`list_page.Page` (running a command and showing its refusal) and their look (columns fitted
to their content, empty lists that say what to do, forms of a readable width). The window
lists them by group in a side bar.
"""

from ui.settings.users import PasswordDialog
from ui.settings.window import SettingsWindow

__all__ = ["PasswordDialog", "SettingsWindow"]
