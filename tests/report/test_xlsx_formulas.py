"""Text from the data reaches the workbook as text: a value a spreadsheet would run as a formula
gets a leading apostrophe, and no string becomes a formula or a link; numbers stay numbers."""

import openpyxl

from misper.report import build_report
from misper.report.population import Population

FORMULA = '=HYPERLINK("http://x.example/","click")'
LINK = "http://x.example/home"


def test_formulas_in_the_data_are_not_live_in_the_workbook(five, tmp_path):
    frame = five.frame()
    frame["ethnic_appearance"] = frame["ethnic_appearance"].replace(
        {"British": FORMULA, "African": "@SUM(1+1)"}
    )
    frame["missing_from_place_id"] = frame["missing_from_place_id"].replace(
        {"H1": "+H1", "X2": LINK}
    )
    path = tmp_path / "report.xlsx"
    build_report(frame, out_xlsx=path, population=Population(**five.POPULATION), year=2022)

    book = openpyxl.load_workbook(path)
    texts, numbers = set(), []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.hyperlink is not None:  # only the workbook's own contents links
                    assert cell.hyperlink.location or "", (sheet.title, cell.coordinate)
                    assert not cell.hyperlink.target, (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
                elif isinstance(cell.value, (int, float)):
                    numbers.append(cell.value)
    assert {"'" + FORMULA, "'@SUM(1+1)", "'+H1", LINK} <= texts
    assert numbers and FORMULA not in texts
