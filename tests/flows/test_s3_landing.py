"""S3 landing through prefect-aws against a moto S3 server on 127.0.0.1: the block, then ingest end to end."""

from __future__ import annotations

import socket

import pytest

BUCKET = "youtube-landing-test"


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_landing(s3_endpoint):
    from prefect_aws import AwsCredentials, S3Bucket

    from blocks import S3Landing

    credentials = AwsCredentials(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
        aws_client_parameters={"endpoint_url": s3_endpoint},
    )
    credentials.get_s3_client().create_bucket(Bucket=BUCKET)
    return S3Landing(bucket=S3Bucket(bucket_name=BUCKET, bucket_folder="landing", credentials=credentials))


def test_write_read_list_locate(s3_landing, tmp_path):
    written = s3_landing.write_bytes("run_id=r1/videos_raw/snapshot_date=2026-10-30/a.body", b'{"items": []}')
    s3_landing.write_bytes("run_id=r1/videos_raw/snapshot_date=2026-10-30/a.meta.json", b"{}")
    s3_landing.write_bytes("run_id=r2/videos_raw/snapshot_date=2026-10-30/b.body", b"{}")
    assert written == f"s3://{BUCKET}/landing/run_id=r1/videos_raw/snapshot_date=2026-10-30/a.body"
    assert s3_landing.read_bytes("run_id=r1/videos_raw/snapshot_date=2026-10-30/a.body") == b'{"items": []}'
    assert s3_landing.list_files("run_id=r1") == [
        "run_id=r1/videos_raw/snapshot_date=2026-10-30/a.body",
        "run_id=r1/videos_raw/snapshot_date=2026-10-30/a.meta.json",
    ]
    assert s3_landing.location("run_id=r1") == f"s3://{BUCKET}/landing/run_id=r1"
    described = s3_landing.describe("run_id=r1")
    assert described["bucket"] == BUCKET and described["key_prefix"] == "landing/run_id=r1"
    assert described["keys"][0] == "landing/run_id=r1/videos_raw/snapshot_date=2026-10-30/a.body"
    copy = s3_landing.local_copy("run_id=r1", tmp_path)
    assert (copy / "videos_raw/snapshot_date=2026-10-30/a.body").read_bytes() == b'{"items": []}'
    with pytest.raises(ValueError, match="escapes"):
        s3_landing.write_bytes("../outside", b"x")


def test_ingest_lands_in_s3_and_bronze_loads_from_there(s3_landing, saved_blocks, sample_lake, tmp_path_factory):
    """The sample's ingest with S3 landing gives the same Bronze rows as with local landing."""
    from blocks import LocalDeltaSpark
    from flows.ingest import ingest
    from tests.flows.conftest import read_delta

    lake = tmp_path_factory.mktemp("s3-landing-lake")
    LocalDeltaSpark(lake_root=str(lake), spark_master="local[2]").save("s3-test", overwrite=True)
    s3_landing.save("test", overwrite=True)
    summary = ingest(backend="local-delta-spark/s3-test", source=saved_blocks["source"], landing="s3-landing/test")
    local = sample_lake["result"]["ingest"]
    assert summary["bronze_rows"] == local["bronze_rows"] and summary["quarantined"] == local["quarantined"] == 1
    assert summary["landing_location"] == f"s3://{BUCKET}/landing/run_id={summary['run_id']}"
    run_keys = s3_landing.list_files(f"run_id={summary['run_id']}")
    page_keys = [k for k in run_keys if "/reporting/" not in k]  # the bulk reports: a file and its meta each
    report_keys = [k for k in run_keys if "/reporting/" in k]
    assert page_keys and all(k.endswith(".pages.jsonl") for k in page_keys)
    pages = {t: n for t, n in summary["pages"].items() if t != "reporting_reports_raw"}
    assert sum(len(s3_landing.read_bytes(k).splitlines()) for k in page_keys) == sum(pages.values())
    metas = [k for k in report_keys if k.endswith(".meta.json")]
    assert len(metas) == summary["pages"]["reporting_reports_raw"] > 0 and len(report_keys) == 2 * len(metas)
    paths = read_delta(lake / "bronze" / "videos_raw").column("landing_path").to_pylist()
    assert paths and all(p.startswith(f"{summary['landing_location']}/videos_raw/snapshot_date=") for p in paths)
    assert not (lake / "_staging" / f"run_id={summary['run_id']}").exists()
