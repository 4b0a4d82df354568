"""What the benchmarks share: the best wall time of a few calls."""

import time


def timed(function, repeat=3):
    """Best wall time of ``repeat`` calls, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000
