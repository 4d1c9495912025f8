"""What makes a site degraded or offline: every threshold in one place."""

from dataclasses import dataclass

from diemcau.operations.livestate import Beat
from diemcau.operations.models import LiveState

OFFLINE_AFTER_S = 15.0  # three missed 5-second beats; the flush adds at most 1 s, within 20 s
MIN_BUFFER_S = 2.0  # less video buffered than this while playing: stalls are imminent
MAX_DROPPED_FRAMES = 50  # frames dropped since the previous beat
MAX_LATENCY_MS = 8000  # behind the live edge
MAX_QUEUED = 100  # items the console could not send yet (check-ins, questions)

# Sort order of the dashboard's trouble list: offline first, then degraded.
STATE_RANK = {
    LiveState.OFFLINE: 3,
    LiveState.DEGRADED: 2,
    LiveState.NEVER: 1,
    LiveState.ONLINE: 0,
}


@dataclass(frozen=True)
class Verdict:
    state: str
    score: float  # severity inside the state, higher is worse
    reasons: tuple[str, ...]


def classify(beat: Beat) -> Verdict:
    """The state a fresh beat puts its site in, and how bad it is."""
    reasons: list[str] = []
    score = 0.0
    if beat.session and not beat.playing:
        reasons.append("not_playing")
        score += 100
    if beat.playing and beat.buffer_s < MIN_BUFFER_S:
        reasons.append("buffering")
        score += 50 + (MIN_BUFFER_S - beat.buffer_s) * 10
    if beat.dropped_frames > MAX_DROPPED_FRAMES:
        reasons.append("dropped_frames")
        score += 20 + min(beat.dropped_frames, 1000) / 20
    if beat.latency_ms > MAX_LATENCY_MS and not beat.behind_s:  # a rewind is chosen, not trouble
        reasons.append("latency")
        score += 20 + min(beat.latency_ms, 60_000) / 1000
    if beat.audio_only:  # the room hears the speaker but sees nothing: worth a call
        reasons.append("audio_only")
        score += 40
    if beat.queued > MAX_QUEUED:
        reasons.append("queued")
        score += 10 + min(beat.queued, 10_000) / 100
    state = LiveState.DEGRADED if reasons else LiveState.ONLINE
    return Verdict(state.value, round(score, 2), tuple(reasons))
