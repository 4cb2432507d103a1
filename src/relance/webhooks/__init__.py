"""Webhooks: signed HTTP POSTs to integrators when collection events happen."""
