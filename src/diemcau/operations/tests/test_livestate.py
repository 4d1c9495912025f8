"""Both live stores behave alike: newest beat wins, last-seen never goes back, drain is exact."""

from diemcau.operations.livestate import Beat
from diemcau.operations.tests.conftest import T0


def test_latest_and_seen_keep_the_newest_beat(store):
    store.record([Beat(1, T0 + 5, "S1", True, 8.0), Beat(2, T0, "S1")])
    store.record([Beat(1, T0, "S1", True, 0.1)])  # late and older: kept in history only

    assert store.latest(1) == Beat(1, T0 + 5, "S1", True, 8.0)
    assert store.latest(3) is None
    assert store.seen_before(T0 + 1) == [2]
    assert sorted(store.seen_before(T0 + 6)) == [1, 2]
    assert list(store.fresh_among([1, 2, 3], T0 + 5)) == [1]
    assert sorted(store.fresh_among([1, 2, 3], T0)) == [1, 2]
    assert store.fresh_among([1, 2, 3], T0 + 5)[1] == Beat(1, T0 + 5, "S1", True, 8.0)


def test_drain_takes_each_beat_once_in_order(store):
    beats = [Beat(i, T0 + i) for i in range(5)]
    store.record(beats)
    assert store.drain(3) == beats[:3]
    assert store.drain(10) == beats[3:]
    assert store.drain(10) == []


def test_clear_forgets_everything(store):
    store.record([Beat(1, T0)])
    store.clear()
    assert (store.latest(1), store.drain(10), store.seen_before(T0 + 1)) == (None, [], [])
