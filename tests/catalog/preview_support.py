"""Reading the data preview of a dataset page (catalog/detail.html) as its cells by column."""

from __future__ import annotations

import html
import re


def preview_columns(page: str) -> dict[str, list[str]]:
    """The preview table's cells by field name, as the reader sees them (tags taken out)."""
    table = page.split('data-testid="preview-table"', 1)[1].split("</table>", 1)[0]
    names = re.findall(r"<th><code>([^<]*)</code></th>", table)
    columns: dict[str, list[str]] = {name: [] for name in names}
    for row in re.findall(r'<tr data-testid="preview-row">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        for name, cell in zip(names, cells, strict=True):
            columns[name].append(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip())
    return columns
