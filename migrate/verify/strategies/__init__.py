"""The strategy `migrate verify` adds to convert's through MIGRATE_STRATEGY_PATH (this folder)."""
