"""Registrations of the key-project ledger (demo); filled in by the module's owner."""
