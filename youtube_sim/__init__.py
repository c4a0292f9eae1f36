"""Simulators of the YouTube APIs for tests, benchmarks, reliability probes and `make sample`: a synthetic,
deterministic YouTube world answered through google-api-python-client (`synth`, `synth_reporting`) and the
generator of recordings from it (`generate`). The product (flows, tasks, blocks, deployments) imports nothing
from here; the replay of a recording, which `make demo` and users run, is product code (`tasks.youtube.replay`)."""
