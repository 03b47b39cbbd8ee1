"""Every domain's tables in one place, so that `Base.metadata` holds the whole model (migrations,
backups)."""

from __future__ import annotations

from misper.app.agencies import models as agencies
from misper.app.audit import models as audit
from misper.app.auth import models as auth
from misper.app.charity import models as charity
from misper.app.children import models as children
from misper.app.db import Base
from misper.app.episodes import models as episodes
from misper.app.escalation import models as escalation
from misper.app.flowchart import models as flowchart
from misper.app.groups import models as groups
from misper.app.interviews import models as interviews
from misper.app.notifications import models as notifications
from misper.app.philomena import models as philomena
from misper.app.placements import models as placements
from misper.app.tasks import models as tasks
from misper.app.triage import models as triage
from misper.app.users import models as users

MODULES = (
    agencies,
    audit,
    auth,
    charity,
    children,
    episodes,
    escalation,
    flowchart,
    groups,
    interviews,
    notifications,
    philomena,
    placements,
    tasks,
    triage,
    users,
)


metadata = Base.metadata
