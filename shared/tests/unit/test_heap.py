"""A process's collector and allocator settings once started (pathways_shared.heap)."""
import gc
import subprocess
import sys

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


# Run in a fresh interpreter: in a long-lived one a freed chunk big enough may already sit in the
# heap, and malloc hands that out before it would map anything.
PROBE = """
import ctypes, sys
from pathways_shared import heap

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
if sys.argv[1] == "tuned":
    assert heap.tune_malloc()
freed = bytearray(8 << 20)
del freed
before = mallinfo2().hblkhd
held = bytearray(512 << 10)
print(mallinfo2().hblkhd - before >= len(held))
"""


def _half_a_mib_is_mapped(mode: str) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def test_big_blocks_stay_mapped_after_a_bigger_one_was_freed():
    """glibc's default raises its mapping threshold when a mapped block is freed, so the next
    half a MiB comes from the heap (and leaves a hole there when freed); tuned, it is mapped on
    its own and given back to the system when freed."""
    assert not _half_a_mib_is_mapped("default")
    assert _half_a_mib_is_mapped("tuned")
