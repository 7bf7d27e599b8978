"""Registrations of the key-project ledger (api_routes); filled in by the module's owner."""
