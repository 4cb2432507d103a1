"""Bank statements imported from the bank's files (camt, MT940, OFX, CFONB 120, CSV)."""
