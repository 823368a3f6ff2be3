"""Reference implementations of the GDI building blocks: real HTTP services on SQLite."""
