"""Decision 766's points: the table that turns each indicator's rate into points, and the scorecard of a group's
figures (points per indicator, per group and in all, out of 100). A province corrects a weight or a threshold here,
in TABLE, and nowhere else.

The groups and their points are Decision 766's as the national portal scores provinces (publicity and transparency
18, timeliness 20, online public service 12, digitisation 22, satisfaction 18, online payment 10). How a group's
points divide among its indicators, and the rate from which an indicator earns all of its points, follow the
portal's description of its formulas ("Mô tả công thức tính chỉ số 766") as transcribed in public code, a secondary
source: below `full_at` an indicator earns its points in proportion to its rate.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .figures import BY_KEY

MAXIMUM = 100
# What an indicator earns when it has nothing to count in a scope and period (no procedure announced, no dossier
# settled, no feedback due):
LEAVE_OUT = "leave_out"  # nothing, and its points leave the total it is measured against
FULL_POINTS = "full_points"  # all its points: the portal's rule for feedback, where none received is none neglected


@dataclass(frozen=True)
class Rule:
    indicator: str
    points: int
    full_at: float = 1.0
    if_nothing_counted: str = LEAVE_OUT

    def points_for(self, rate):
        """The points a rate earns, rounded as the portal publishes them; None when the indicator earns none and
        leaves the measured total."""
        if rate is None:
            return self.points if self.if_nothing_counted == FULL_POINTS else None
        return round(self.points * min(rate / self.full_at, 1), 2)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    points: int
    rules: tuple


TABLE = (
    Group("publicity", _("Publicity and transparency"), 18, (
        Rule("published_on_time_rate", 6),
        Rule("published_complete_rate", 6),
        Rule("national_sync_rate", 6),
    )),
    Group("timeliness", _("Timeliness"), 20, (
        Rule("on_time_rate", 20),
    )),
    Group("online", _("Online public service"), 12, (
        Rule("full_online_procedure_rate", 6),
        Rule("online_dossier_rate", 6, full_at=0.5),
    )),
    Group("digitisation", _("Digitisation"), 22, (
        Rule("electronic_result_rate", 6),
        Rule("digitised_rate", 10, full_at=0.8),
        Rule("data_replaced_rate", 2),
        Rule("data_reused_rate", 2, full_at=0.8),
        Rule("population_data_rate", 2),
    )),
    Group("satisfaction", _("Satisfaction"), 18, (
        Rule("feedback_on_time_rate", 6, if_nothing_counted=FULL_POINTS),
        Rule("feedback_satisfaction_rate", 6, if_nothing_counted=FULL_POINTS),
        Rule("satisfaction_rate", 6, full_at=0.9),
    )),
    Group("payment", _("Online payment"), 10, (
        Rule("online_payment_rate", 10),
    )),
)


# Each rule with its group, in the table's order.
RULES = [(group, rule) for group in TABLE for rule in group.rules]


class State(models.TextChoices):
    SCORED = "scored", _("scored")
    FULL_BY_DEFAULT = "full_by_default", _("nothing to count: all the points")
    NOTHING_COUNTED = "nothing_counted", _("nothing to count")
    NOT_MEASURED = "not_measured", _("not measured yet")


@dataclass(frozen=True)
class Line:
    rule: Rule
    rate: float | None
    points: float | None
    state: str

    @property
    def indicator(self):
        return BY_KEY[self.rule.indicator]

    @property
    def state_label(self):
        return State(self.state).label


@dataclass(frozen=True)
class GroupScore:
    group: Group
    lines: tuple

    @property
    def points(self):
        return round(sum(line.points for line in self.lines if line.points is not None), 2)

    @property
    def out_of(self):
        """The points of the indicators that could be measured here."""
        return sum(line.rule.points for line in self.lines if line.points is not None)


@dataclass(frozen=True)
class Scorecard:
    groups: tuple
    maximum: int = MAXIMUM

    @property
    def total(self):
        return round(sum(group.points for group in self.groups), 2)

    @property
    def out_of(self):
        return sum(group.out_of for group in self.groups)

    @property
    def share(self):
        """The total as a share of what could be measured: how agencies measured on different indicators compare."""
        return self.total / self.out_of if self.out_of else None


def scorecard(figures):
    return Scorecard(tuple(GroupScore(group, tuple(_line(rule, figures) for rule in group.rules))
                           for group in TABLE))


def _line(rule, figures):
    if not BY_KEY[rule.indicator].measured:
        return Line(rule, None, None, State.NOT_MEASURED)
    rate = figures[rule.indicator]
    points = rule.points_for(rate)
    if rate is not None:
        return Line(rule, rate, points, State.SCORED)
    return Line(rule, None, points, State.NOTHING_COUNTED if points is None else State.FULL_BY_DEFAULT)


def ranked(rows):
    """Each row with its scorecard, the best share of the points it could earn first; rows that handled no dossier
    (a desk that only receives, an agency with nothing filed) after all those that did."""
    scored = [(row, scorecard(row.figures)) for row in rows]
    return sorted(scored, key=lambda pair: (not pair[0].figures.handled, -(pair[1].share or 0)))
