"""The citizen portal: start a dossier, fill and submit it, follow it to its result, and look one up by code.

Views parse input, call the dossier engine's services (workflows.dossiers.services) and render; every dossier is
looked up among the signed-in citizen's own, so anyone else's id is a 404.
"""

from .account import inbox, lookup, profile
from .dossiers import document, dossier_detail, dossier_list, rate, result, slip, withdraw
from .filing import edit_dossier, filed, review, start_filing, supply
from .store import document_store, store_item_file

__all__ = ["document", "document_store", "dossier_detail", "dossier_list", "edit_dossier", "filed", "inbox",
           "lookup", "profile", "rate", "result", "review", "slip", "start_filing",
           "store_item_file", "supply", "withdraw"]
