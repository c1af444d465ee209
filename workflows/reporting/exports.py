"""The periodic report on settling administrative procedures, in the layout the province sends upward (the
Government Office's form: received, of which carried over and newly received online or at a desk; settled, on time
or late; in progress, within time or late), followed by the Decision 766 points of each group and the total, as XLSX
and CSV; the XLSX adds every indicator, every indicator's points, and their definitions."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import indicators, scores
from .figures import BY_KEY, INDICATORS, Figures
from .periods import Period


@dataclass
class ReportLine:
    label: str
    figures: Figures
    carried_over: int

    @cached_property
    def card(self):
        return scores.scorecard(self.figures)

    @property
    def columns(self):
        figures, card = self.figures, self.card
        return [
            self.carried_over + figures.received, self.carried_over,
            figures.received_online + figures.received_integrated, figures.received_counter,
            figures.settled, figures.settled_on_time, figures.settled_late,
            figures.in_progress, figures.in_progress_on_time, figures.in_progress_late,
            figures.refused, figures.withdrawn, figures.stopped,
            _percent(figures.on_time_rate),
            *(group.points if group.out_of else None for group in card.groups), card.total, card.out_of,
        ]


def _percent(rate):
    return None if rate is None else round(rate * 100, 1)


def headers():
    """The two header rows: groups spanning columns, then each column."""
    groups = [(_("Received for settlement"), 4), (_("Settled"), 3), (_("In progress"), 3),
              (_("Not received"), 1), (_("Withdrawn"), 1), (_("Stopped"), 1), (_("On-time rate (%)"), 1),
              (_("Decision 766 points"), len(scores.TABLE) + 2)]
    columns = [_("Total"), _("Carried over"), _("New, online"), _("New, at a desk or by post"),
               _("Total"), _("Early or on time"), _("Late"),
               _("Total"), _("Within time"), _("Late"), "", "", "", "",
               *(f"{group.label} ({group.points})" for group in scores.TABLE), _("Total"), _("Measurable, of 100")]
    return groups, columns


def report_lines(period, *, by, **scope):
    """One line per group of `by` and a total line, each with what was carried over from before the period."""
    before = Period(period.first - timedelta(days=1), period.first - timedelta(days=1))
    lines = []
    if by is not None:
        carried = {row.key: row.figures.in_progress for row in indicators.report(before, by=by, **scope)}
        lines = [ReportLine(row.label, row.figures, carried.get(row.key, 0))
                 for row in indicators.report(period, by=by, **scope)]
    total = indicators.report(period, **scope)[0]
    lines.append(ReportLine(_("Total"), total.figures, indicators.report(before, **scope)[0].figures.in_progress))
    return lines


def as_csv(title, period, lines):
    groups, columns = headers()
    names = []
    for group, span in groups:
        for column in columns[len(names):len(names) + span]:
            names.append(f"{group}: {column}" if column else group)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with its byte-order mark
    writer = csv.writer(out)
    writer.writerow([title, str(period)])
    writer.writerow([_("No."), _("Agency / field / procedure"), *names])
    for number, line in enumerate(lines, start=1):
        writer.writerow([number if number < len(lines) else "", line.label, *line.columns])
    return out.getvalue()


THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD = PatternFill("solid", fgColor="DCE6F1")


def as_xlsx(title, period, lines):
    book = Workbook()
    sheet = book.active
    sheet.title = _("Report")[:31]
    groups, columns = headers()
    width = 2 + len(columns)
    sheet.append([_("REPORT ON SETTLING ADMINISTRATIVE PROCEDURES").upper()])
    sheet.append([title])
    sheet.append([_("Period: %(period)s") % {"period": period}])
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row, 1).alignment = Alignment(horizontal="center")
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    head, sub = 5, 6
    sheet.cell(head, 1, _("No."))
    sheet.cell(head, 2, _("Agency / field / procedure"))
    sheet.merge_cells(start_row=head, start_column=1, end_row=sub, end_column=1)
    sheet.merge_cells(start_row=head, start_column=2, end_row=sub, end_column=2)
    column = 3
    for group, span in groups:
        sheet.cell(head, column, group)
        if span > 1:
            sheet.merge_cells(start_row=head, start_column=column, end_row=head, end_column=column + span - 1)
        else:
            sheet.merge_cells(start_row=head, start_column=column, end_row=sub, end_column=column)
        column += span
    for offset, name in enumerate(columns):
        if name:
            sheet.cell(sub, 3 + offset, name)
    for row in sheet.iter_rows(min_row=head, max_row=sub, max_col=width):
        for cell in row:
            cell.font, cell.fill, cell.border = Font(bold=True), HEAD, BOX
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, line in enumerate(lines, start=1):
        is_total = number == len(lines)
        sheet.append(["" if is_total else number, line.label, *line.columns])
        for cell in sheet[sheet.max_row][:width]:
            cell.border = BOX
            cell.font = Font(bold=is_total)
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 48
    for index in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.freeze_panes = sheet.cell(sub + 1, 3)

    figures_sheet = book.create_sheet(_("Indicators")[:31])
    figures_sheet.append([_("Agency / field / procedure"), *(str(indicator.label) for indicator in INDICATORS)])
    for line in lines:
        figures_sheet.append([line.label, *(_cell(indicator, line.figures[indicator.key])
                                            for indicator in INDICATORS)])
    _head(figures_sheet)

    points_sheet = book.create_sheet(_("Points")[:31])
    points_sheet.append([_("Agency / field / procedure"),
                         *(f"{BY_KEY[rule.indicator].label} ({rule.points})" for _group, rule in scores.RULES),
                         _("Total"), _("Measurable, of 100")])
    for line in lines:
        card = line.card
        points_sheet.append([line.label, *(item.points for group in card.groups for item in group.lines),
                             card.total, card.out_of])
    _head(points_sheet)

    definitions = book.create_sheet(_("Definitions")[:31])
    definitions.append([_("Indicator"), _("Definition"), _("Formula"), _("Decision 766 group"), _("Points"),
                        _("All the points from (%)")])
    scored = {rule.indicator: (group, rule) for group, rule in scores.RULES}
    for indicator in INDICATORS:
        group, rule = scored.get(indicator.key, (None, None))
        definitions.append([str(indicator.label), str(indicator.definition), indicator.formula,
                            str(group.label) if group else None, rule.points if rule else None,
                            _percent(rule.full_at) if rule else None])
    _head(definitions)
    for column, width in zip("ABCDEF", (28, 90, 60, 28, 8, 12)):
        definitions.column_dimensions[column].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _head(sheet):
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEAD
    sheet.column_dimensions["A"].width = 48
    sheet.freeze_panes = "B2"


def _cell(indicator, value):
    if value is None:
        return None
    if indicator.kind == "rate":
        return _percent(value)
    if indicator.kind in ("days", "score"):
        return round(value, 2)
    return value
