"""``--help`` that ends with examples: descriptions wrapped to the terminal, examples as written."""

from __future__ import annotations

import argparse


class ExamplesFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph texts (descriptions, option help) as argparse does, but prints a
    text of several lines (the examples of an epilog) line for line, so commands stay whole."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def examples(*lines: str) -> str:
    """An epilog: ``examples:`` and one command per line (a command may continue on the
    next line, indented further)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)
