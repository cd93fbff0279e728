"""Exports of the office's data for its managers: «Export C1», the control report."""
