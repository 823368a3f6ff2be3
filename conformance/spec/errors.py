"""Where something is written in a spec file, and the error raised for a spec that is unusable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, slots=True)
class Location:
    """A position in a file; ``line`` and ``column`` are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SpecLoadError(Exception):
    """A spec (or a file it references) cannot be used: one clear message, and where.

    The command line prints ``str(error)`` and exits 2; it never shows a traceback for these.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        json_path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.json_path = json_path

    @classmethod
    def at(cls, message: str, location: Location, json_path: str | None = None) -> Self:
        return cls(
            message,
            file=location.file,
            line=location.line,
            column=location.column,
            json_path=json_path,
        )

    @property
    def location(self) -> Location | None:
        if self.file is None or self.line is None:
            return None
        return Location(self.file, self.line, self.column or 1)

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        suffix = f" (at {self.json_path})" if self.json_path else ""
        return f"{where}{self.message}{suffix}"
