"""The pain-monitoring model (Thomeé 1997; docs/domain.md §3), as pure functions.

Exercise may hurt, within limits. A flare signal alerts the physiotherapist, who may lower
the dose; it never discards the patient's data."""

P1_PAIN_DURING = "P1"  # highest pain during exercise above the acceptable maximum
P2_NOT_RECOVERED = "P2"  # next morning's pain above the level before the session
P3_WEEKLY_RISE = "P3"  # weekly pain at least the set rise above baseline


def session_pain_signals(
    *,
    pain_before: int | None,
    pain_during_max: int | None,
    pain_next_morning: int | None,
    during_acceptable_max: int = 5,
) -> list[str]:
    """P1 and P2 for one session (docs/domain.md §3): pain during up to ``during_acceptable_max``
    (5) is acceptable, above it is a signal; pain the next morning must be back at the level
    before the session, higher is a signal. Missing values give no signal."""
    signals = []
    if pain_during_max is not None and pain_during_max > during_acceptable_max:
        signals.append(P1_PAIN_DURING)
    recovered_known = pain_before is not None and pain_next_morning is not None
    if recovered_known and pain_next_morning > pain_before:
        signals.append(P2_NOT_RECOVERED)
    return signals


def weekly_pain_signal(*, baseline: int | None, weekly: int | None, rise: int = 2) -> bool:
    """P3 (docs/domain.md §3): pain should not increase from week to week; a weekly NRS ``rise``
    (2) or more above the baseline is a signal."""
    if baseline is None or weekly is None:
        return False
    return weekly - baseline >= rise
