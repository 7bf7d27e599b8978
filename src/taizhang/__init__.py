"""taizhang: the working ledger."""
