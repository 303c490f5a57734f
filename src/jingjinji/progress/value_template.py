"""The value templates (Excel and CSV) users fill in and upload (:mod:`upload`)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from jingjinji.progress import service
from jingjinji.progress.schemas import MAX_BATCH
from jingjinji.regions import service as regions

COLUMNS = service.VALUE_COLUMNS
VALUES_SHEET = "values"
MAX_ROWS = MAX_BATCH

INSTRUCTIONS = [
    "How to fill in this template / 填写说明",
    "",
    "1. Enter one value per row on the sheet 'values'. Keep the header row as it is.",
    "   每行填写一个数值，保留第一行表头。",
    "2. indicator_code: a code from the sheet 'indicators'. 指标代码见“indicators”工作表。",
    "3. jurisdiction_code: a GB/T 2260 code from the sheet 'jurisdictions', e.g. 120116 for "
    "Binhai New Area. 行政区划代码见“jurisdictions”工作表。",
    "4. period: text in the indicator's period type: 2021 (year), 2021Q3 (quarter), 2021-07 "
    "(month). The column is formatted as text so that Excel does not turn it into a date.",
    "   期间：年 2021、季度 2021Q3、月 2021-07（按文本填写）。",
    "5. value: a plain number, dot as decimal separator, no thousands separators or units.",
    "   数值：纯数字，小数点用英文句点，不带千分位和单位。",
    "6. unit: optional; if given it must be exactly the indicator's unit.",
    "   单位：可不填；填写时须与指标单位完全一致。",
    "7. source: required (publication, table, office). note: optional.",
    "   来源必填；备注可选。",
    "",
    "Upload policy: if any cell has a problem, nothing is stored and every problem is listed by "
    "row and column (rows for jurisdictions you may not write included). Fix the file and "
    "upload it again.",
    "上传规则：任一单元格有误则整批不保存，并按行列列出全部错误（含无权填报的地区）；改正后重新上传。",
    "Corrections: to correct a value stored already (same indicator, jurisdiction and "
    "period), upload the corrected value with the reason in note. The earlier value is kept "
    "in the value's history. Without a note the row is a duplicate and is rejected.",
    "更正：更正已保存的数值（同一指标、地区和期间）时，填写更正后的数值并在备注中说明原因；原数值保留在历史记录中。"
    "未填备注的重复行将被拒绝。",
]


def _cell_text(value: str) -> str:
    """Text as a worksheet can hold it: control characters (which Excel refuses) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def xlsx_template(session: Session) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = VALUES_SHEET
    ws.append(list(COLUMNS))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
    widths = {"A": 34, "B": 18, "C": 12, "D": 14, "E": 16, "F": 40, "G": 40}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    for r in range(2, MAX_ROWS + 2):
        ws.cell(row=r, column=3).number_format = "@"
    ws.freeze_panes = "A2"

    indicators = service.list_indicators(session)
    ind_ws = wb.create_sheet("indicators")
    ind_ws.append(["code", "name_en", "name_zh", "unit", "period_type", "direction", "area"])
    for cell in ind_ws[1]:
        cell.font = bold
    for i in indicators:
        ind_ws.append(
            [
                _cell_text(v)
                for v in (i.code, i.name_en, i.name_zh, i.unit, i.period_type, i.direction, i.area)
            ]
        )
    ind_ws.column_dimensions["A"].width = 34
    ind_ws.column_dimensions["B"].width = 60
    ind_ws.column_dimensions["C"].width = 40

    jur_ws = wb.create_sheet("jurisdictions")
    jur_ws.append(["code", "name_en", "name_zh", "level"])
    for cell in jur_ws[1]:
        cell.font = bold
    for j in regions.list_jurisdictions(session):
        jur_ws.append([_cell_text(v) for v in (j.code, j.name_en, j.name_zh, j.level)])

    info = wb.create_sheet("instructions", 0)
    for line in INSTRUCTIONS:
        info.append([line])
    info.column_dimensions["A"].width = 120
    info["A1"].font = Font(bold=True, size=13)
    wb.active = 1  # open on the values sheet

    if indicators:
        check = DataValidation(
            type="list",
            formula1=f"=indicators!$A$2:$A${len(indicators) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error="Pick an indicator code from the sheet 'indicators'.",
        )
        ws.add_data_validation(check)
        check.add(f"A2:A{MAX_ROWS + 1}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_template() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(COLUMNS)
    return buf.getvalue()
