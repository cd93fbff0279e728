"""Persistent domain model of Dossia (SQLAlchemy 2 declarative, typed).

`models.enums` is plain Python and cheap to import; the ORM classes live in
`models.office`, `models.dossier` and `models.audit`. `models.all` imports them all.
"""
