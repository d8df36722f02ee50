"""What the selling part registers (gathered by plugins.exhibitions.hooks):
MENU, JOBS, SEQUENCES, SEARCH, PRINTS, DATASETS, WIDGETS, load_demo and
customer_panels, each optional."""

from __future__ import annotations
