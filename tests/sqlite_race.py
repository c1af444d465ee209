"""Two people at once on the embedded default: run in a process of its own against a SQLite file
(DATABASE_URL=sqlite:///...), since the suite's own database is PostgreSQL. Prints what each person got as JSON.

    python -m tests.sqlite_race <scenario>     scenario: receive (two officers, the window), file (walk-ins)
"""

import json
import os
import sys
import threading
import traceback

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402 - django.setup() first
from django.contrib.messages import get_messages  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.factories import with_second_factor  # noqa: E402
from tests.office import Office  # noqa: E402
from workflows.dossiers import services  # noqa: E402
from workflows.dossiers.models import Dossier  # noqa: E402

ROUNDS = 4
# Officers have passed their second factor, as in the suite (tests/conftest.py).
Client.force_login = with_second_factor(Client.force_login)


def at_once(*calls):
    """Runs the calls in threads released together; each thread has its own database connection, as each
    request of a threaded server has."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
            results[index] = {"error": f"{error.__class__.__name__}: {error}",
                              "traceback": traceback.format_exc()[-2000:]}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def office():
    call_command("migrate", verbosity=0)
    place = Office(get_user_model())
    place.second_receiver = place.staff("tiepnhan3", place.desk, "receiving_officer")
    return place


def filed_online(place):
    dossier = services.create_draft(procedure=place.procedure, acting_user=place.citizen)
    return services.submit_dossier(dossier=dossier, acting_user=place.citizen, receiving_agency=place.desk)


def window_post(user, dossier):
    """An officer presses Receive in the single window, on the page they loaded at `dossier.version`."""
    client = Client(raise_request_exception=False, SERVER_NAME="127.0.0.1")
    client.force_login(user)

    def post():
        response = client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, "receive"]),
                               {"expected_version": dossier.version})
        return {"status": response.status_code,
                "messages": [str(message) for message in get_messages(response.wsgi_request)]}

    return post


def receive(place):
    """Each round: a dossier filed online, two officers receive it from the window at the same moment; then two
    officers receive another dossier through the service directly."""
    outcome = {"window": [], "service": []}
    for _round in range(ROUNDS):
        dossier = filed_online(place)
        outcome["window"].append(at_once(window_post(place.receiver, dossier),
                                         window_post(place.second_receiver, dossier)))
        outcome["window"][-1].append({"state": Dossier.objects.get(pk=dossier.pk).state})
    for _round in range(ROUNDS):
        dossier = filed_online(place)

        def take(user, dossier=dossier):
            try:
                services.receive_dossier(dossier=dossier, acting_user=user, expected_version=dossier.version)
            except services.DossierChanged as error:
                return {"changed": str(error)}
            return {"received": True}

        outcome["service"].append(at_once(lambda: take(place.receiver), lambda: take(place.second_receiver)))
    return outcome


def file(place):
    """Each round: two officers at the same desk file a walk-in dossier, and two citizens submit theirs, at once."""
    outcome = []

    def walk_in(user, name):
        def call():
            dossier = services.file_dossier(procedure=place.procedure, acting_user=user,
                                            applicant={"name": name, "identity_number": "038195001234"},
                                            form_data={})
            return {"code": dossier.code, "state": dossier.state}
        return call

    def submit(user):
        dossier = services.create_draft(procedure=place.procedure, acting_user=user)

        def call():
            submitted = services.submit_dossier(dossier=dossier, acting_user=user, receiving_agency=place.desk)
            return {"code": submitted.code, "state": submitted.state}
        return call

    for round_number in range(ROUNDS):
        outcome.append(at_once(walk_in(place.receiver, f"Lê Văn An {round_number}"),
                               walk_in(place.second_receiver, f"Trần Thị Bình {round_number}"),
                               submit(place.citizen), submit(place.other_citizen)))
    return outcome


if __name__ == "__main__":
    scenario = {"receive": receive, "file": file}[sys.argv[1]]
    place = office()
    print("RESULT " + json.dumps(scenario(place), ensure_ascii=False))
