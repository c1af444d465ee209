"""A filing retried with its Idempotency-Key gets the first answer back whole: body, status, Location and ETag."""

from tests.api.conftest import filing
from workflows.dossiers.models import Dossier


def test_a_replayed_filing_carries_the_same_location_and_etag_as_the_first(integrator, office):
    api = integrator.api()
    first = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000777")
    again = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000777")

    assert (first.status_code, again.status_code) == (201, 201) and again["Idempotent-Replayed"] == "true"
    code = first.json()["code"]
    assert first["Location"] == again["Location"] == f"/api/v1/dossiers/{code}/"
    assert first["ETag"] == again["ETag"] == f'"{first.json()["version"]}"'
    # The client follows the replayed Location and its ETag still names the dossier as filed.
    followed = api.get(again["Location"])
    assert followed.status_code == 200 and followed["ETag"] == again["ETag"]
    assert Dossier.objects.count() == 1


def test_a_replay_after_the_dossier_moved_on_still_answers_as_the_first_time(integrator, office):
    api = integrator.api()
    first = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000778")
    code = first.json()["code"]
    received = api.post(f"/api/v1/dossiers/{code}/receive/", {}, format="json", HTTP_IF_MATCH=first["ETag"])
    assert received.status_code == 200 and received["ETag"] != first["ETag"]

    again = api.post("/api/v1/dossiers/", filing(office), format="json", HTTP_IDEMPOTENCY_KEY="dvcqg-2026-000778")
    assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
    assert again.json() == first.json()
