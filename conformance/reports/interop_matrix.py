"""The page of an interop matrix (every combination of implementations per block), in the
style of the other reports: the same stylesheet, header and language choice."""

from __future__ import annotations

from conformance import __version__
from conformance.interop import BLOCKS
from conformance.interop.matrix import Matrix, matrix_document
from conformance.reports.html import environment
from conformance.reports.i18n import DEFAULT_LANGUAGE


def render_interop_matrix(matrix: Matrix, language: str = DEFAULT_LANGUAGE) -> str:
    blamed: dict[tuple[str, str], int] = {}
    for cell in matrix.cells:
        for item in cell.scenarios:
            if item.block and item.implementation:
                key = (item.block, item.implementation)
                blamed[key] = blamed.get(key, 0) + 1
    template = environment(language).get_template("interop_matrix.html.j2")
    return template.render(
        matrix=matrix,
        blocks=BLOCKS,
        summary=matrix_document(matrix)["summary"],
        blamed=sorted(blamed.items()),
        version=__version__,
    )
