"""Usage analytics: completion events from JetStream into ClickHouse, and queries on top.

Entry point: `python -m tokaroo_ledger.analytics sink|migrate|serve|run|dashboards`.
The same code runs against a ClickHouse server (`http(s)://` DSN) and against the embedded
chDB engine (`chdb:///path`, the local default; one process owns a chDB directory).
"""
