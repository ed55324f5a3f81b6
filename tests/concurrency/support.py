"""Two people's work at the same moment, each in a thread of its own, on a connection of its own."""

import threading
import time

from django.db import connection, connections, transaction

from casefile import pagecache, workflow

POLL_SECONDS = 0.05
# How long the work under test has waited, at least, when `Deadlock` closes the circle.
HEAD_START_SECONDS = 0.3


def in_turn(first, second, after=(pagecache, "advance_generation"), timeout=20):
    """Run `first` until it holds its cases' publishing lock; then `second` until it waits for a lock; then both.

    So `second` asks for what `first` holds, and `first` goes on to finish
    while `second` holds its own locks: with locks taken in one order, the
    first finishes and the second after it; without, they deadlock there and
    PostgreSQL rolls one of them back. `after`: the module and name of the
    function after which `first` holds what `second` will ask for (by default
    the one taking the publishing lock). Returns what each returned or raised.
    """
    outcomes = [None, None]
    holds_the_lock, second_done = threading.Event(), threading.Event()
    module, name = after
    take_the_lock = getattr(module, name)
    paused = []

    def take_it_then_let_the_second_in(*args, **kwargs):
        taken = take_the_lock(*args, **kwargs)
        if threading.current_thread() is threads[0] and not paused:
            paused.append(True)
            holds_the_lock.set()
            _wait_for_a_lock_wait(second_done, timeout)
        return taken

    def run(index, work):
        try:
            outcomes[index] = work()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test reads
            outcomes[index] = error
        finally:
            connections.close_all()
            if index == 0:
                holds_the_lock.set()
            else:
                second_done.set()

    threads = [threading.Thread(target=run, args=(n, work)) for n, work in enumerate((first, second))]
    setattr(module, name, take_it_then_let_the_second_in)
    try:
        threads[0].start()
        holds_the_lock.wait(timeout)
        threads[1].start()
        for thread in threads:
            thread.join(timeout=timeout * 2)
    finally:
        setattr(module, name, take_the_lock)
    return outcomes


def _wait_for_a_lock_wait(done, timeout):
    """Until another connection to this database waits for a lock (or the other work ended)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and not done.is_set():
            # Read afresh: inside a transaction, PostgreSQL shows the activity it read first.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone():
                return
            time.sleep(POLL_SECONDS)


def versions_of(*records):
    return {(type(r), r.pk): workflow.latest_version(type(r), r.pk).history_id for r in records}


class Deadlock(threading.Thread):
    """Another transaction, made to deadlock with the work under test, `times` times over.

    It locks `held` (FOR UPDATE, as a deletion would) and keeps it. Each time,
    it waits until another connection waits for it, then asks for `wanted`,
    which that connection holds. The other waited first, so PostgreSQL rolls
    the other back and lets this one go on; it lets go of `wanted` again, and
    the other, tried again, finds `held` still held. `ready` is set once it
    holds `held`.
    """

    def __init__(self, held, wanted, times=1, timeout=20):
        super().__init__()
        self.held, self.wanted, self.times, self.timeout = held, wanted, times, timeout
        self.ready, self.finished, self.error = threading.Event(), threading.Event(), None

    def run(self):
        try:
            with transaction.atomic():
                list(self.held().select_for_update())
                self.ready.set()
                for _ in range(self.times):
                    # A savepoint: rolled back, it lets go of what it locked.
                    with transaction.atomic():
                        _wait_for_a_lock_wait(self.finished, self.timeout)
                        # PostgreSQL rolls back whichever of the two checks
                        # for a deadlock first, a second after it began to
                        # wait: the other's head start, a poll at most, can
                        # be lost when the machine is busy and its check comes late.
                        time.sleep(HEAD_START_SECONDS)
                        list(self.wanted().select_for_update())
                        transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - read by the test
            self.error = error
        finally:
            self.ready.set()
            connections.close_all()

    def __enter__(self):
        self.start()
        self.ready.wait(self.timeout)
        return self

    def __exit__(self, *exc_info):
        self.finished.set()
        self.join(self.timeout)
