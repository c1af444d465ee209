import pytest
from django.urls import reverse

from workflows.worktime.models import CalendarException

from .test_lifecycle import received

pytestmark = pytest.mark.django_db


def test_dossier_admin_shows_the_audit_trail_and_changes_nothing(admin_client_logged_in, office,
                                                                 django_assert_max_num_queries):
    dossier = received(office)
    received(office)
    with django_assert_max_num_queries(12):
        changelist = admin_client_logged_in.get(reverse("admin:workflows_dossier_changelist"))
    assert changelist.status_code == 200 and dossier.code in changelist.content.decode()
    page = admin_client_logged_in.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("tiepnhan") >= 1
    response = admin_client_logged_in.post(reverse("admin:workflows_dossier_change", args=[dossier.pk]),
                                           {"applicant_name": "Kẻ gian"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.applicant_name == "Lan Nguyễn"


def test_calendar_exceptions_are_edited_in_the_admin(admin_client_logged_in):
    response = admin_client_logged_in.post(reverse("admin:worktime_calendarexception_add"),
                                           {"day": "22/08/2026", "kind": "day_off", "name": "Hủy làm bù"})
    assert response.status_code == 302
    response = admin_client_logged_in.post(reverse("admin:worktime_calendarexception_add"),
                                           {"day": "22/08/2026", "kind": "working_day", "name": "Trùng ngày"})
    assert response.status_code == 200 and "day" in response.context["adminform"].form.errors


def test_dates_are_read_day_first_in_vietnamese(admin_client_logged_in):
    admin_client_logged_in.post(reverse("admin:worktime_calendarexception_add"),
                                {"day": "05/08/2026", "kind": "day_off", "name": "Nghỉ bù"})
    assert str(CalendarException.objects.get().day) == "2026-08-05"
