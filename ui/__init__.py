"""Dossia's Qt widgets. They call `app/` services and never touch the database directly."""
