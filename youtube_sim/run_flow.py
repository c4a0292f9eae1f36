"""The parent flow's command line (`python -m flows.youtube_lakehouse ...`) in a process that knows the
simulator's block types, so `--source youtube-faulty-replay-source/NAME` loads.

    python -m youtube_sim.run_flow --source youtube-faulty-replay-source/faults-1 --backend ...
"""

from __future__ import annotations

import youtube_sim.blocks  # noqa: F401 - registers the block types with Prefect
from flows.youtube_lakehouse import main

if __name__ == "__main__":
    main()
