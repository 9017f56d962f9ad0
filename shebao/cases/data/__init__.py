"""Data shipped with the cases package (the national holiday calendar)."""
