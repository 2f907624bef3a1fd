"""Where the tests find a Redis server: TEST_REDIS_URL, or the local one on a database of its own."""

import os
import uuid

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def require_redis() -> None:
    """Skip without a Redis server, except in CI (.ci/run starts one): there a missing server is a failure."""
    if not redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"No Redis server at {REDIS_URL}: .ci/run starts one.")
        pytest.skip(f"No Redis server at {REDIS_URL}")


def unique_prefix() -> str:
    """A key prefix of its own, so that parallel runs on one Redis database never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"
