"""Text written into a workbook with openpyxl stays text.

openpyxl stores any string that starts with ``=`` as a formula, so a referring agency named
``=cmd|' /C calc'!A0`` (or ``=HYPERLINK(...)``) would become a live formula in a report a board member
opens. Every workbook lifkit writes with openpyxl puts its values through these helpers: strings are
marked as text, numbers and dates stay as they are. (The register's own writer writes inline text and
needs none of this.)
"""

from __future__ import annotations

from typing import Any, Iterable


def set_value(cell, value: Any):
    """``cell.value = value``, with a string kept as text whatever it starts with; returns the cell."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(sheet, values: Iterable[Any]) -> None:
    """``sheet.append(values)``, with every string kept as text."""
    values = list(values)
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values):
        if isinstance(value, str):
            cell.data_type = "s"
