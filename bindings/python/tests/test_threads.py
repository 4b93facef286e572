"""The GIL is released while the store works, so other threads run meanwhile."""

from __future__ import annotations

import gc
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import pytest

from citypassport import Passport

from helpers import ORDER, PASSWORD, City

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


@pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="before 3.11 Python may switch threads before any instruction, which blurs the line",
)
def test_another_thread_keeps_running_while_an_unclosed_store_is_collected(
    tmp_path: pathlib.Path,
) -> None:
    # A store nobody closed is released when Python collects it: sled flushes and joins
    # its flusher thread. Times are too short and too noisy to tell here, so a watcher
    # thread looks at where the main thread is each time it gets to run. The store is
    # dropped by `del held[:]`, an instruction after which Python does not switch
    # threads; so the watcher can see the main thread on that line only if the main
    # thread let it run from inside the drop, which is what releasing the GIL is.
    main = threading.get_ident()
    here = sys._getframe()
    drop_line = 0
    seen = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal seen
        while not stop.is_set():
            frame = sys._current_frames().get(main)
            if frame is here and frame.f_lineno == drop_line:
                seen += 1

    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        # Closing a store takes about half a millisecond here, and the watcher catches
        # the main thread inside a given drop only now and then (under one drop in a
        # hundred on a loaded machine); hence many drops, ended after a few sightings.
        # Without the GIL released it is never caught, however many drops.
        for number in range(2000):
            store = Passport.open_sled(tmp_path / f"store-{number}")
            store.bootstrap_administrator("admin@city.example", "Администратор", ORDER)
            # The list holds the only reference to the store.
            held = [store]
            del store
            drop_line = here.f_lineno + 1
            del held[:]
            if seen >= 3:
                break
    finally:
        stop.set()
        watcher.join()
        sys.setswitchinterval(previous_interval)
        gc.collect()

    assert seen >= 3, f"the watcher never ran while a store was dropped ({number + 1} drops)"


def test_calls_from_several_threads_share_a_session(city: City) -> None:
    city.executor.save_draft("POP", "2025", 1)

    def read() -> int:
        rows = city.viewer.period_passport_records("2025")
        value = city.viewer.value("POP", "2025")
        assert value is not None and value.value == 1
        return len(rows)

    with ThreadPoolExecutor(max_workers=4) as pool:
        counts = list(pool.map(lambda _: read(), range(24)))
    assert counts == [3] * 24
