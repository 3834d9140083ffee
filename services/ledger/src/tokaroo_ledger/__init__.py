"""Tokaroo ledger: tenants, hashed API keys, balances, usage and exactly-once settlement."""
