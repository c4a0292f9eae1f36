"""Prefect tasks and the plain code they call: YouTube clients, landing, Spark jobs, run log."""
