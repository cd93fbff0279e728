"""Dossia's use cases and rules. Runs without a screen: no Qt here."""
