"""A process's collector settings once started (pathways_shared.heap)."""
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
