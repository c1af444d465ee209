"""The table that turns Decision 766 rates into points: its weights add up as the decision says, and each threshold
gives points in proportion below it and all of them from it."""

import pytest

from workflows.reporting import scores
from workflows.reporting.figures import BY_KEY, Figures

RULES = {rule.indicator: rule for _group, rule in scores.RULES}


def test_the_groups_carry_decision_766s_points_and_their_indicators_add_up_to_them():
    assert {group.key: group.points for group in scores.TABLE} == {
        "publicity": 18, "timeliness": 20, "online": 12, "digitisation": 22, "satisfaction": 18, "payment": 10}
    for group in scores.TABLE:
        assert sum(rule.points for rule in group.rules) == group.points, group.key
    assert sum(group.points for group in scores.TABLE) == scores.MAXIMUM == 100
    assert all(BY_KEY[key].kind == "rate" for key in RULES)


@pytest.mark.parametrize(("indicator", "rate", "points"), [
    # All 20 points at 100 %, in proportion below.
    ("on_time_rate", 0.0, 0.00),
    ("on_time_rate", 0.5, 10.00),
    ("on_time_rate", 0.999, 19.98),
    ("on_time_rate", 1.0, 20.00),
    # Online dossiers: all 6 points from 50 %.
    ("online_dossier_rate", 0.25, 3.00),
    ("online_dossier_rate", 0.49, 5.88),
    ("online_dossier_rate", 0.5, 6.00),
    ("online_dossier_rate", 0.8, 6.00),
    # Digitised dossiers: all 10 points from 80 %.
    ("digitised_rate", 0.4, 5.00),
    ("digitised_rate", 0.79, 9.88),
    ("digitised_rate", 0.8, 10.00),
    ("digitised_rate", 1.0, 10.00),
    # Satisfaction: all 6 points from 90 %.
    ("satisfaction_rate", 0.45, 3.00),
    ("satisfaction_rate", 0.899, 5.99),
    ("satisfaction_rate", 0.9, 6.00),
    ("satisfaction_rate", 0.95, 6.00),
    # Proportional to the end: 1 of 3 procedures published on time is 2 of 6 points.
    ("published_on_time_rate", 1 / 3, 2.00),
    ("online_payment_rate", 5 / 11, 4.55),
], ids=lambda value: f"{value:.3f}" if isinstance(value, float) else value)
def test_an_indicator_earns_in_proportion_below_its_threshold_and_all_its_points_from_it(indicator, rate, points):
    assert RULES[indicator].points_for(rate) == pytest.approx(points)


def test_with_nothing_to_count_feedback_keeps_its_points_and_the_others_leave_the_total():
    # No feedback at all is none left unanswered (the portal's rule): all 6 points each.
    assert RULES["feedback_on_time_rate"].points_for(None) == 6
    assert RULES["feedback_satisfaction_rate"].points_for(None) == 6
    # No dossier settled: no points, and the 20 leave the total it is measured against.
    assert RULES["on_time_rate"].points_for(None) is None

    card = scores.scorecard(Figures())
    assert (card.total, card.out_of, card.maximum) == (12, 12, 100)
    states = {line.rule.indicator: line.state for group in card.groups for line in group.lines}
    assert states["feedback_on_time_rate"] == scores.State.FULL_BY_DEFAULT
    assert states["on_time_rate"] == scores.State.NOTHING_COUNTED
    # The data taken from the population database: not measured, whatever the figures.
    assert [key for key, state in states.items() if state == scores.State.NOT_MEASURED] == ["population_data_rate"]


def test_a_province_moves_a_threshold_in_the_table_alone():
    stricter = scores.Rule("online_dossier_rate", 6, full_at=0.6)
    assert stricter.points_for(0.5) == 5.00
    assert stricter.points_for(0.6) == 6.00
