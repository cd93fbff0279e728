"""The documents wing: a dossier's files, its «Pièces à fournir», and their PDF."""
