"""What the static checker reports: a typed finding per problem, with its severity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Spectral's four levels, most severe first; only ``error`` fails a run by default."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"

    @property
    def rank(self) -> int:
        """0 for error ... 3 for hint (Spectral's numbering), so lower is more severe."""
        return _RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        """Whether this severity is as severe as ``threshold`` or more."""
        return self.rank <= threshold.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accept our names and Spectral's spelling (``warn``)."""
        lowered = text.strip().lower()
        if lowered == "warn":
            return cls.WARNING
        return cls(lowered)


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2, Severity.HINT: 3}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a spec, traceable to the ADR rule it breaks.

    ``path`` is written the way Spectral prints it (``paths./a.get.responses[200]``) and
    ``pointer`` is the RFC 6901 JSON pointer of the same node; ``line``/``column`` are 1-based.
    ``extra`` findings come from our own rules (``gdi:*``) and count for no ADR verdict.
    """

    rule: str
    adr: str | None
    severity: Severity
    path: str
    pointer: str
    file: str
    line: int
    column: int
    message: str
    extra: bool = False  # from one of our own rules, not the official ruleset

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (self.file, self.line, self.column, self.severity.rank, self.rule, self.path)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
