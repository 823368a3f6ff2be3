"""spec layer (see ARCHITECTURE.md)."""
