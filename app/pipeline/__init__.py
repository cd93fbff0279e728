"""The pipeline wing: a dossier's submissions to banks («Pipeline» tab)."""
