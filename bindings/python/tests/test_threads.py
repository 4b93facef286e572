"""The GIL is released while the store works, so other threads run meanwhile."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

from helpers import PASSWORD, City

# The GIL changes hands at least this often during the test, so that the margins below
# stay well inside one login (an Argon2 hash, some tens of milliseconds).
SWITCH_INTERVAL = 0.001
# Margins around each call: between taking the time and entering native code (and back)
# the calling thread may wait for the GIL for up to one switch interval, during which the
# counter may run in either case.
MARGIN = 2 * SWITCH_INTERVAL + 0.001


def test_another_thread_keeps_running_while_a_call_works(sled_city: City) -> None:
    # Password hashing is a long stretch of pure Rust work. A thread that holds the GIL
    # in native code never lets another Python thread run, so if the GIL were held, the
    # counter below could record no moment inside a call.
    moments: List[float] = []
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            moments.append(time.perf_counter())
            for _ in range(200):
                pass

    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    counter = threading.Thread(target=count)
    counter.start()
    calls: List[Tuple[float, float]] = []
    try:
        time.sleep(0.01)
        for _ in range(4):
            start = time.perf_counter()
            sled_city.passport.login("viewer@city.example", PASSWORD)
            calls.append((start, time.perf_counter()))
    finally:
        stop.set()
        counter.join()
        sys.setswitchinterval(previous_interval)

    assert max(b - a for a, b in calls) > 3 * MARGIN, "calls too short to tell"
    inside = [t for t in moments if any(a + MARGIN < t < b - MARGIN for a, b in calls)]
    assert len(inside) > 10, (len(inside), calls)


def test_calls_from_several_threads_share_a_session(sled_city: City) -> None:
    sled_city.executor.save_draft("POP", "2025", 1)

    def read() -> int:
        rows = sled_city.viewer.period_passport_records("2025")
        value = sled_city.viewer.value("POP", "2025")
        assert value is not None and value.value == 1
        return len(rows)

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: read(), range(24)))
    assert counts == [3] * 24
