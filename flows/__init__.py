"""Orchestration only: the parent flow and its subflows. Heavy imports stay inside functions."""
