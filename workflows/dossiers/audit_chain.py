"""The dossier audit trail as a hash chain: each entry holds its place in its dossier's trail, the hash of the entry
before it and the HMAC-SHA-256 of its own content with that hash, keyed by the installation's audit key
(ONESTOP_AUDIT_KEY, kept outside the database: whoever holds only the database cannot write an entry that
verifies). An entry forged into the trail, altered or removed breaks the chain, and `trail_breaks` says where. Pure
functions: the model, the migration's backfill, the `verify_audit` command and the dossier page share them."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

__all__ = ["TrailBreak", "entry_hash", "trail_breaks"]


def entry_hash(entry):
    """The HMAC-SHA-256 of the entry's canonical serialisation: sorted keys, no spaces, UTF-8, times in UTC to the
    microsecond, values as the database gives them back."""
    content = {
        "dossier": entry.dossier_id, "sequence": entry.sequence, "previous_hash": entry.previous_hash,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id, "actor_role": str(entry.actor_role), "actor_agency": entry.actor_agency_id,
        "action": str(entry.action), "from_state": str(entry.from_state), "to_state": str(entry.to_state),
        "step_order": entry.step_order, "note": entry.note, "data": _as_stored(entry.data),
        "client_ip": _ip_as_stored(entry.client_ip),
    }
    serialised = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(_audit_key(), serialised.encode(), hashlib.sha256).hexdigest()


def _audit_key():
    # Its own setting, so that rotating SECRET_KEY does not break every trail; derived from it when unset.
    secret = settings.ONESTOP_AUDIT_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"onestop.audit-trail:" + secret.encode()).digest()


def _as_stored(value):
    """JSON as it reads back from a jsonb column: tuples are lists, keys are strings, and a whole float reads back
    as an integer when PostgreSQL prints it without a fraction (1e20)."""
    return _whole_floats_as_int(json.loads(json.dumps(value)))


def _whole_floats_as_int(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_floats_as_int(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_floats_as_int(item) for key, item in value.items()}
    return value


def _ip_as_stored(value):
    # GenericIPAddressField stores an IPv6 address in its compressed form.
    return clean_ipv6_address(value) if value and ":" in value else (value or None)


@dataclass(frozen=True)
class TrailBreak:
    """Where a dossier's trail stops being the one OneStop wrote: the position, the entry there (none when it was
    removed) and what is wrong."""

    dossier_id: int
    position: int
    entry_id: int | None
    problem: str


def trail_breaks(entries, *, dossier_state=None):
    """The breaks in one dossier's trail, given its entries in the order of their positions. `dossier_state`, the
    dossier's state read together with the entries, shows entries removed from the end: the trail must end at it."""
    breaks = []
    expected, previous_hash, last = 1, "", None
    for entry in entries:
        if entry.sequence > expected:
            first_missing, last_missing = expected, entry.sequence - 1
            breaks.append(TrailBreak(entry.dossier_id, expected, None, (
                _("entry %(position)s was removed") % {"position": first_missing} if first_missing == last_missing
                else _("entries %(first)s to %(last)s were removed") % {"first": first_missing,
                                                                        "last": last_missing})))
        elif entry.sequence < expected:
            breaks.append(TrailBreak(entry.dossier_id, entry.sequence, entry.pk,
                                     _("a second entry claims position %(position)s")
                                     % {"position": entry.sequence}))
        elif entry.previous_hash != previous_hash:
            breaks.append(TrailBreak(entry.dossier_id, entry.sequence, entry.pk,
                                     _("the entry does not follow the one before it")))
        if entry.entry_hash != entry_hash(entry):
            breaks.append(TrailBreak(entry.dossier_id, entry.sequence, entry.pk,
                                     _("the entry was forged or altered: its content does not match its hash")))
        expected, previous_hash, last = max(expected, entry.sequence + 1), entry.entry_hash, entry
    if last is not None and dossier_state is not None and str(last.to_state) != str(dossier_state):
        breaks.append(TrailBreak(last.dossier_id, last.sequence + 1, None,
                                 _("the trail ends at state “%(trail)s” but the dossier is “%(dossier)s”: its last "
                                   "entries were removed") % {"trail": last.to_state, "dossier": dossier_state}))
    return breaks
