"""The dossier audit trail is a hash chain: a forged, altered or removed entry is found by `verify_audit` and shown
on the dossier's page, and actions at once never fork it."""

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.database_roles import app_role, connect_as
from tests.workflows.test_concurrency import in_own_connection
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.audit_chain import entry_hash
from workflows.dossiers.models import AuditEntry, Dossier


def settled(office):
    dossier = received(office)
    services.add_note(dossier=dossier, acting_user=office.receiver, note="Hồ sơ đầy đủ")
    for officer in (office.receiver, office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    return services.return_result(dossier=dossier, acting_user=office.result_desk)


def verify(*args):
    out = io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def dossier_page(client, office, dossier):
    client.force_login(office.receiver)
    return client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk])).content.decode()


def audit_block(client, office, dossier):
    """What the dossier's page says of its trail, above the trail itself."""
    page = dossier_page(client, office, dossier)
    start = page.index('id="audit-integrity"')
    return page[page.rindex("<", 0, start):page.index('<table id="audit-trail"', start)]


def chain(dossier):
    return list(AuditEntry.objects.filter(dossier=dossier).order_by("sequence"))


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction otherwise reads its first snapshot again
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def without_triggers(statement, params):
    """What a superuser can do: write past the append-only trigger."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_each_entry_is_chained_to_the_one_before_it(office):
    entries = chain(settled(office))
    assert [entry.sequence for entry in entries] == list(range(1, 10))
    assert [entry.previous_hash for entry in entries] == ["", *(entry.entry_hash for entry in entries[:-1])]
    # The stored hash is the content's, as read back from the database.
    assert all(len(entry.entry_hash) == 64 and entry.entry_hash == entry_hash(entry) for entry in entries)


@pytest.mark.django_db
def test_a_dossiers_whole_life_verifies_clean_on_the_command_and_the_page(office, client):
    dossier = settled(office)
    other = filed(office)
    assert verify() == (0, "Audit trail intact: 11 entries of 2 dossiers checked.\n")
    assert verify("--dossier", other.code) == (0, "Audit trail intact: 2 entries of 1 dossiers checked.\n")
    assert 'class="trail-intact"' in audit_block(client, office, dossier)


@pytest.mark.django_db
def test_an_unknown_dossier_code_is_refused_clearly(office):
    with pytest.raises(CommandError, match="No dossier has the code HS-NOPE"):
        call_command("verify_audit", "--dossier", "HS-NOPE", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_an_entry_forged_by_the_application_role_is_detected(office, client):
    dossier = received(office)
    last = chain(dossier)[-1]
    with app_role() as role, connect_as(role) as attacker:
        # A "refusal" slipped into the trail, linked to the last entry but hashed by guesswork.
        forged = attacker.execute(
            "INSERT INTO workflows_auditentry (dossier_id, at, actor_role, action, note, data, from_state, to_state, "
            "sequence, previous_hash, entry_hash) VALUES (%s, now(), 'receiving_officer', 'refuse', 'forged', '{}', "
            "'received', 'received', %s, %s, %s) RETURNING id",
            [dossier.pk, last.sequence + 1, last.entry_hash, "0" * 64]).fetchone()[0]
    status, listing = verify()
    assert status == 1
    assert f"{dossier.code}, position 4 (entry #{forged}): " in listing
    assert "1 break(s) in 1 of 1 dossiers" in listing
    block = audit_block(client, office, dossier)
    assert 'class="trail-broken"' in block and re.search(r"<li>[^<\d]*4: ", block)
    assert '<tr class="trail-break"><td>4</td>' in dossier_page(client, office, dossier)


@pytest.mark.django_db(transaction=True)
def test_an_entry_hashed_by_the_published_formula_without_the_installations_key_is_detected(office, settings):
    dossier = received(office)
    last = chain(dossier)[-1]
    forged = AuditEntry(dossier=dossier, sequence=last.sequence + 1, previous_hash=last.entry_hash,
                        at=timezone.now(), actor_role="receiving_officer", action="refuse", note="forged", data={},
                        from_state="received", to_state="received")
    # Whoever holds the database knows the code, not the key: their hash is the formula's with a guessed key.
    settings.ONESTOP_AUDIT_KEY = "guessed"
    forged.entry_hash = entry_hash(forged)
    settings.ONESTOP_AUDIT_KEY = ""
    with app_role() as role, connect_as(role) as attacker:
        attacker.execute(
            "INSERT INTO workflows_auditentry (dossier_id, at, actor_role, action, note, data, from_state, to_state, "
            "sequence, previous_hash, entry_hash) VALUES (%s, %s, 'receiving_officer', 'refuse', 'forged', '{}', "
            "'received', 'received', %s, %s, %s)",
            [dossier.pk, forged.at, forged.sequence, forged.previous_hash, forged.entry_hash])

    status, listing = verify()

    assert status == 1 and f"{dossier.code}, position 4" in listing


@pytest.mark.django_db
@pytest.mark.parametrize(("tampering", "position"), [
    ("remove_middle", 3), ("remove_last", 9), ("alter_note", 4), ("alter_data", 5),
])
def test_an_entry_removed_or_altered_by_a_superuser_is_detected(office, client, tampering, position):
    dossier = settled(office)
    entries = {entry.sequence: entry for entry in chain(dossier)}
    if tampering.startswith("remove"):
        target = entries[3] if tampering == "remove_middle" else entries[9]
        without_triggers("DELETE FROM workflows_auditentry WHERE id = %s", [target.pk])
    elif tampering == "alter_note":
        without_triggers("UPDATE workflows_auditentry SET note = 'Hồ sơ thiếu giấy tờ' WHERE id = %s",
                         [entries[4].pk])
    else:
        without_triggers("UPDATE workflows_auditentry SET data = '{}' WHERE id = %s", [entries[5].pk])
    status, listing = verify("--dossier", dossier.code)
    assert status == 1
    assert f"{dossier.code}, position {position} " in listing
    block = audit_block(client, office, dossier)
    assert 'class="trail-broken"' in block and re.search(rf"<li>[^<\d]*{position}: ", block)


@pytest.mark.django_db(transaction=True)
def test_actions_taken_at_once_on_one_dossier_keep_one_linear_chain(office):
    dossier = filed(office)
    start = threading.Barrier(4)

    @in_own_connection
    def act(job):
        start.wait()
        fresh = Dossier.objects.get(pk=dossier.pk)
        if job == "receive":
            services.receive_dossier(dossier=fresh, acting_user=office.receiver)
        else:
            services.add_note(dossier=fresh, acting_user=office.receiver, note=f"Ghi chú {job}")
        return job

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(act, ["receive", "1", "2", "3"])) == ["1", "2", "3", "receive"]

    entries = chain(dossier)
    assert [entry.sequence for entry in entries] == [1, 2, 3, 4, 5, 6]
    assert [entry.previous_hash for entry in entries[1:]] == [entry.entry_hash for entry in entries[:-1]]
    assert verify("--dossier", dossier.code)[0] == 0


@pytest.mark.django_db(transaction=True)
def test_a_writer_that_misses_the_dossiers_lock_fails_instead_of_forking_the_chain(office):
    dossier = filed(office)
    first_written, second_reading = threading.Event(), threading.Event()

    def entry(note):
        return AuditEntry(dossier=dossier, at=timezone.now(), action="note", note=note, to_state=dossier.state)

    @in_own_connection
    def first():
        with transaction.atomic():
            entry("first").save()
            first_written.set()
            second_reading.wait(10)
            # The second writer reads the same last entry, then waits on the unique position until this commits.
            for _attempt in range(200):
                if waiting_on_a_lock():
                    break
                threading.Event().wait(0.05)

    @in_own_connection
    def second():
        first_written.wait(10)
        second_reading.set()
        try:
            with transaction.atomic():
                entry("second").save()
        except IntegrityError:
            return "refused"
        return "written"

    with ThreadPoolExecutor(2) as pool:
        outcomes = [pool.submit(first), pool.submit(second)]
        assert outcomes[1].result() == "refused"
        outcomes[0].result()
    assert [entry.sequence for entry in chain(dossier)] == [1, 2, 3]
