"""The client file: the dossier's life (numbering, steps, abandon, resume), its household,
its situation (project, loans, charges, assets), its comments and automatic comments.

Pure modules (data and rules, no database): `lifecycle`, `readmodels`, `household`,
`situation`, `auto_comments`. Use cases: the `*_service` modules, on `access.DossierCommands`.
"""
