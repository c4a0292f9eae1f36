"""Bronze and Silver asset keys are the ones prefect-dbt gives the same relations, on both backends."""

from __future__ import annotations

from prefect_dbt.utilities import format_resource_id

from blocks import LocalDeltaSpark
from tasks.assets import landing_asset_key, silver_upstream, table_asset_key


def test_local_keys_match_the_spark_adapters():
    assert table_asset_key(LocalDeltaSpark(), "silver", "silver_videos") == "spark://silver/silver_videos"
    assert table_asset_key(LocalDeltaSpark(), "silver", "silver_videos") == format_resource_id(
        "spark", "silver.silver_videos"
    )


def test_databricks_keys_carry_the_catalog_as_dbt_databricks_quotes_it(make_backend):
    backend = make_backend(catalog="yt_prod")
    key = table_asset_key(backend, "silver", "silver_videos")
    assert key == "databricks://yt_prod/silver/silver_videos"
    assert key == format_resource_id("databricks", "`yt_prod`.`silver`.`silver_videos`")


def test_landing_keys_and_every_silver_table_has_an_upstream():
    from tasks.jobs.silver_build import SILVER_TABLES

    assert landing_asset_key("/data/landing", "videos_raw") == "file:///data/landing/videos_raw"
    assert landing_asset_key("s3://bucket/landing/", "videos_raw") == "s3://bucket/landing/videos_raw"
    assert all(silver_upstream(t) for t in SILVER_TABLES)
