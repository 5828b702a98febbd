"""The register: the board's Excel workbook, its sheets and rules, and sync from the case folders."""
