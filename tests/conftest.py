"""Shared fixtures. Unit tests (tests/unit) never touch the database; the others may."""
