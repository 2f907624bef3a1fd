"""`applications.read_ahead`: the items in order, errors where they happen, no thread left behind."""

import threading
import time

import pytest

from applications.read_ahead import read_ahead


def reader_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "read-ahead"]


def test_it_gives_every_item_in_order():
    assert list(read_ahead(range(1000))) == list(range(1000))


@pytest.mark.parametrize("ahead", [1, 3])
def test_it_gives_every_item_in_order_however_far_it_reads_ahead(ahead):
    assert list(read_ahead(iter(range(50)), ahead=ahead)) == list(range(50))


def test_an_empty_source_gives_nothing_and_starts_no_thread():
    assert list(read_ahead([])) == []
    assert reader_threads() == []


def test_the_first_item_is_read_in_the_calling_thread_and_the_rest_in_another():
    readers = []

    def source():
        for item in range(3):
            readers.append(threading.current_thread())
            yield item

    assert list(read_ahead(source())) == [0, 1, 2]
    assert readers[0] is threading.current_thread()
    assert all(reader is not threading.current_thread() for reader in readers[1:])


def test_an_exception_of_the_source_is_raised_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("broken row")

    received = []
    with pytest.raises(ValueError, match="broken row"):
        for item in read_ahead(source()):
            received.append(item)

    assert received == [1, 2]
    assert reader_threads() == []


def test_an_exception_on_the_first_item_is_raised_in_the_caller():
    def source():
        raise ValueError("no query")
        yield

    with pytest.raises(ValueError, match="no query"):
        list(read_ahead(source()))


def test_the_thread_stops_and_the_source_is_closed_when_the_caller_stops_early():
    closed_in = []
    read = []

    def source():
        try:
            for item in range(1_000_000):
                read.append(item)
                yield item
        finally:
            closed_in.append(threading.current_thread())

    items = read_ahead(source(), ahead=2)
    assert [next(items) for _ in range(3)] == [0, 1, 2]
    items.close()

    assert reader_threads() == []
    assert closed_in == [threading.current_thread()]
    # The reader stopped a few items ahead of the caller, not at the end of the source.
    assert len(read) < 10


def test_the_thread_stops_when_the_caller_drops_the_iterator_while_the_reader_waits():
    def slow_source():
        for item in range(100):
            time.sleep(0.001)
            yield item

    items = read_ahead(slow_source())
    next(items)
    del items

    assert reader_threads() == []
