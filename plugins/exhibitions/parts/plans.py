"""What the floor-plan part registers (gathered by plugins.exhibitions.hooks):
MENU, JOBS, SEQUENCES, SEARCH, PRINTS, DATASETS, WIDGETS, ``load_demo`` and
``customer_panels``, each optional."""

from __future__ import annotations

from core import JobDecl
from plugins.exhibitions.services import booths

JOBS = [JobDecl("exhibitions.release_holds", booths.release_lapsed_holds, "*/15 * * * *")]
