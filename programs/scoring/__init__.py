"""Scoring of the outcome measures (docs/domain.md §2): pure functions, standard library only.

Nothing here imports Django, so the rules can be tested and reused without a database; the
clinically important thresholds are passed in by the caller from the settings."""

from programs.scoring.change import ChangeResult, change_against_baseline
from programs.scoring.errors import ScoringError
from programs.scoring.hoos import (
    HOOS_MIN_ANSWERED,
    HOOS_SUBSCALES,
    hoos_item_codes,
    resolve_double_tick,
    score_hoos,
)
from programs.scoring.hoos_ps import HOOS_PS_ITEMS, HOOS_PS_RASCH_TABLE, score_hoos_ps
from programs.scoring.oxford import OXFORD_ITEMS, OXFORD_MAX_MISSING, score_oxford
from programs.scoring.performance import HIGHER_IS_BETTER, walk_speed_m_per_s
from programs.scoring.psfs import score_psfs, score_psk

__all__ = [
    "HIGHER_IS_BETTER",
    "HOOS_MIN_ANSWERED",
    "HOOS_PS_ITEMS",
    "HOOS_PS_RASCH_TABLE",
    "HOOS_SUBSCALES",
    "OXFORD_ITEMS",
    "OXFORD_MAX_MISSING",
    "ChangeResult",
    "ScoringError",
    "change_against_baseline",
    "hoos_item_codes",
    "resolve_double_tick",
    "score_hoos",
    "score_hoos_ps",
    "score_oxford",
    "score_psfs",
    "score_psk",
    "walk_speed_m_per_s",
]
