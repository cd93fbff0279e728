"""The office: its users and profiles, settings (steps, numbering, audit log), reference
lists (provenances, apporteurs d'affaires, banks), identity («Société») and backups.

Pure modules (data and rules, no database): `office`, `company`, `referential`. Use cases:
the `*_service` modules.
"""
