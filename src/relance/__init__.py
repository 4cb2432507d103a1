"""Relance: accounts-receivable collection."""
