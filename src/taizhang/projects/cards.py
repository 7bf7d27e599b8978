"""Registrations of the key-project ledger (cards); filled in by the module's owner."""
