"""What an opened office asks of every file without loading the carries' service: is it
a laptop's file, and with which numbering prefix did its dossiers leave?"""

from __future__ import annotations

from sqlalchemy import select

from app.storage.database import Database
from models.carry import Carry
from models.office import Setting

# In a laptop's file: where its dossiers came from, and which departure it holds.
SERVER_KEY = "carry.server"
CARRY_KEY = "carry.id"


def laptop_prefix(database: Database) -> str:
    """In a laptop's file, the numbering prefix its dossiers left with; "" otherwise (one
    lookup in the settings)."""
    with database.read() as session:
        carry_id = session.scalar(select(Setting.value).where(Setting.key == CARRY_KEY))
        if carry_id is None:
            return ""
        return session.scalar(select(Carry.prefix).where(Carry.id == int(carry_id))) or ""
