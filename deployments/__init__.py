"""Deployment tooling: `python -m deployments.bootstrap` prepares a Prefect server for `prefect deploy`."""
