"""A process's collector and allocator settings once started (pathways_shared.heap)."""
import ctypes
import gc

from pathways_shared import heap


def test_settling_hides_what_start_up_built_and_makes_young_collections_rarer():
    before = gc.get_threshold()
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, *heap.OLDER_THRESHOLDS)
        assert gc.isenabled()  # cycles are still collected
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _mapped_bytes() -> int:
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = _MallInfo2
    return mallinfo2().hblkhd


def test_big_blocks_stay_mapped_after_a_bigger_one_was_freed():
    """glibc's default raises its mapping threshold when a mapped block is freed, so the next
    block of half a MiB would come from the heap; with the threshold fixed it is mapped (and so
    given back to the system when freed)."""
    assert heap.tune_malloc()
    freed = bytearray(8 << 20)
    del freed
    before = _mapped_bytes()
    held = bytearray(512 << 10)
    assert _mapped_bytes() - before >= len(held)
