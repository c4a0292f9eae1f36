"""Reliability probes of issue #16 (`python -m reliability.run`)."""
