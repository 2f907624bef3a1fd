"""Reading ahead: a thread fetches the next items of an iterator while the caller works on the current one.

Made for an export's chunks of rows from PostgreSQL: while the caller formats one chunk, the thread waits for
the database to produce the next one (psycopg2 releases the GIL while it waits), so the two overlap.

The first item is read in the calling thread. A lazy queryset runs its query there, on the caller's own
connection (Django's connections belong to a thread); the reading thread only fetches on from the cursor that
query opened, and the caller must not use that cursor meanwhile (other queries on the same connection are
safe: psycopg2 serialises them). The source is closed in the calling thread once the reading thread is done.
"""

import queue
import threading
from collections.abc import Iterable, Iterator

# How often a reader blocked on a full queue checks whether the caller has stopped (seconds).
_STOP_CHECK_INTERVAL = 0.1


class _Failed:
    """What the reader hands over when the source raised: the exception, re-raised in the caller."""

    __slots__ = ("exception",)

    def __init__(self, exception: BaseException):
        self.exception = exception


_END = object()


def read_ahead[T](items: Iterable[T], *, ahead: int = 1) -> Iterator[T]:
    """The items of `items`, in order, with up to `ahead` of them read in advance by a thread.

    An exception raised by the source is raised here, at the point of the item that could not be read. If the
    caller stops early (closes this generator or drops it), the thread stops after the item it is reading.
    """
    source = iter(items)
    try:
        first = next(source)
    except StopIteration:
        _close(source)
        return
    ready: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def hand_over(item) -> bool:
        """Put `item` in the queue unless the caller stops first; False if it did."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=_STOP_CHECK_INTERVAL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in source:
                if not hand_over(item):
                    return
        except BaseException as exception:  # handed to the caller, who re-raises it
            hand_over(_Failed(exception))
            return
        hand_over(_END)

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        yield first
        del first
        while (item := ready.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exception
            yield item
    finally:
        stop.set()
        reader.join()
        _close(source)


def _close(source: Iterator) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        close()
