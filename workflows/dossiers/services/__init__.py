"""Every change a person makes to a dossier, one function per use case, in a module per stage of its life.

Each runs in one transaction with the dossier row locked, takes the dossier's transition, writes the audit entry
and publishes what happened (workflows.dossiers.events); the reading side learns of it after commit.
"""

from .consultation import *  # noqa: F403
from .core import *  # noqa: F403
from .decision import *  # noqa: F403
from .filing import *  # noqa: F403
from .notes import *  # noqa: F403
from .processing import *  # noqa: F403
from .receipt import *  # noqa: F403
from .retiming import *  # noqa: F403
from .supplement import *  # noqa: F403
from .withdrawal import *  # noqa: F403
