"""lint layer (see ARCHITECTURE.md)."""
