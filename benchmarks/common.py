"""What the benchmark scripts share: how to run cnnshape and time one command."""
import shutil
import subprocess
import sys
import time


def cnnshape_cmd(*args) -> list[str]:
    """The installed console script (what users run), else python -m cnnshape."""
    exe = shutil.which("cnnshape")
    return [exe, *args] if exe else [sys.executable, "-m", "cnnshape", *args]


def timed(cmd) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start
