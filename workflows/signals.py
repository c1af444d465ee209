from django.dispatch import Signal

# Sent after the transaction that changed a dossier commits (never on rollback): dossier_id, action, state.
dossier_changed = Signal()
