"""A real S3 API on a loopback port for the object-storage tests: moto in server mode (`moto_server`), spoken to
by boto3 over HTTP exactly as django-storages speaks to AWS, Scaleway or MinIO."""

import os
import subprocess
import uuid
from pathlib import Path

import boto3

from config.engines import s3_options
from tests.engines import processes

CREDENTIALS = {"access_key": "moto-test-key", "secret_key": "moto-test-secret"}
REGION = "eu-west-3"


class MotoServer:
    def __init__(self):
        self.port = processes.free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        executable = Path(processes.BIN) / "moto_server"
        self.process = subprocess.Popen(
            [str(executable), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
        )
        processes.wait_for(f"{self.endpoint}/moto-api/", process=self.process)

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["access_key"],
            aws_secret_access_key=CREDENTIALS["secret_key"],
        )

    def new_bucket(self) -> str:
        name = f"passerelle-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def storage_settings(self, bucket: str, prefix: str = "", endpoint: str | None = None) -> dict:
        options = s3_options(
            bucket,
            prefix,
            {"endpoint_url": endpoint or self.endpoint, "region_name": REGION, "addressing_style": "path"},
            **CREDENTIALS,
        )
        return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def stop(self) -> None:
        processes.stop(self.process)
