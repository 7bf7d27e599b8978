"""Registrations of the key-project ledger (navigation); filled in by the module's owner."""
