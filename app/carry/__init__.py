"""Laptops that take dossiers away from the office's server and bring them back (issue 11)."""
