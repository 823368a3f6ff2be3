"""results layer (see ARCHITECTURE.md)."""
