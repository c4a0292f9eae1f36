"""YouTube sources: Data API v3 and Analytics API v2 through google-api-python-client.

- `clients`: build the two API clients from live credentials or a recording.
- `executor`: the retry/stop policy of YOUTUBE_API.md and API units counted per endpoint.
- `data_api`, `analytics_api`: the accepted request shapes, paging and batching.
- `ingest_plan`: what one ingestion run fetches, landing every response page as-is.
- `replay`, `synth`, `generate`: recordings, the synthetic world they are generated from, and its CLI.
"""
