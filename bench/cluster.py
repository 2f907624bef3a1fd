"""The production topology on one machine, on loopback only: PostgreSQL, Redis, an S3 endpoint (moto_server),
two gunicorn servers, one task worker and nginx in front (deploy/nginx/passerelle-proxy.conf).

    make cluster                                  # starts everything, prints the address, Ctrl-C stops it
    .venv/bin/python bench/cluster.py --servers 1

PostgreSQL is the machine's server (127.0.0.1:5432, started if needed) with a scratch database
`passerelle_cluster` created afresh; Redis and moto_server are processes of their own on their own ports, so
that bench/load_cluster.py can stop them without touching anything else on the machine. moto keeps its objects
in memory: it is reached through a small TCP relay (bench/tcp_relay.py), and "stopping the S3 endpoint" stops
the relay, so the bucket's content survives the outage as a real provider's would.
Logs and the generated nginx configuration go to var/cluster/.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BUCKET = "passerelle-cluster"
REGION = "eu-west-3"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "cluster-key", "AWS_SECRET_ACCESS_KEY": "cluster-secret"}

NGINX_CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/nginx-body;
    proxy_temp_path {dir}/nginx-proxy;
    fastcgi_temp_path {dir}/nginx-fastcgi;
    uwsgi_temp_path {dir}/nginx-uwsgi;
    scgi_temp_path {dir}/nginx-scgi;
    upstream passerelle {{
{upstreams}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        server_name {host};
        include {base}/deploy/nginx/passerelle-proxy.conf;
        location = /50x.html {{ root {base}/deploy/nginx; internal; }}
        location /static/ {{ alias {static}/; expires max; }}
        location / {{ proxy_pass http://passerelle; }}
    }}
}}
"""

SETUP = """
from tests import factories as f
posting = f.published_posting(title="Mission de charge", slug="mission-de-charge")
print(posting.slug)
"""


def wait_http(url: str, timeout: float = 60, expect: int | None = 200) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                if expect is None or response.status == expect:
                    return
        except urllib.error.HTTPError as error:
            if expect is None:
                return
            error.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {expect} within {timeout} s")


class Cluster:
    def __init__(self, *, servers: int = 2, base_port: int = 8180, workers: int = 2, dir: Path | None = None):
        self.servers = servers
        self.workers = workers
        self.dir = dir or BASE_DIR / "var" / "cluster"
        self.nginx_port = base_port
        self.app_ports = [base_port + 1 + i for i in range(servers)]
        self.redis_port = base_port + 11
        self.moto_port = base_port + 12
        self.s3_port = base_port + 13  # the relay in front of moto: the endpoint the site uses
        self.processes: dict[str, subprocess.Popen] = {}
        self.database = "passerelle_cluster"
        self.env = {
            **os.environ,
            **S3_KEYS,
            "DEBUG": "false",
            "SECRET_KEY": f"cluster-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{self.database}",
            "CACHE_URL": f"redis://{HOST}:{self.redis_port}/0",
            "STORAGE_URL": (
                f"s3://{BUCKET}?endpoint_url=http://{HOST}:{self.s3_port}&region_name={REGION}&addressing_style=path"
            ),
            "STATIC_ROOT": str(self.dir / "static"),
            "PASSERELLE_VAR_DIR": str(self.dir / "var"),
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "APPLY_RATE_LIMIT": "1000000",
            "LOG_LEVEL": "WARNING",
        }

    # -- processes ---------------------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    # -- components --------------------------------------------------------------------------------------
    def start_postgres(self) -> None:
        if subprocess.run(["pg_isready", "-h", HOST, "-p", "5432", "-q"]).returncode:
            subprocess.run(["pg_ctlcluster", "15", "main", "start"], check=False)
            for _ in range(30):
                if not subprocess.run(["pg_isready", "-h", HOST, "-p", "5432", "-q"]).returncode:
                    break
                time.sleep(1)
        psql = ["psql", "-h", HOST, "-U", "postgres", "-q", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {self.database}"], check=True)

    def start_redis(self) -> None:
        self._spawn(
            "redis",
            [
                "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        for _ in range(50):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True
                ).returncode
                == 0
            ):
                return
            time.sleep(0.1)
        raise TimeoutError("redis-server did not start")

    def start_moto(self) -> None:
        self._spawn("moto", [str(BIN / "moto_server"), "-H", HOST, "-p", str(self.moto_port)])
        wait_http(f"http://{HOST}:{self.moto_port}/moto-api/")
        self.start_s3_relay()
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=f"http://{HOST}:{self.moto_port}",
            region_name=REGION,
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_public_access_block(
            Bucket=BUCKET,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self.s3 = s3

    def start_s3_relay(self) -> None:
        self._spawn(
            "s3-relay",
            [
                sys.executable,
                str(BASE_DIR / "bench" / "tcp_relay.py"),
                str(self.s3_port),
                str(self.moto_port),
            ],
        )
        wait_http(f"http://{HOST}:{self.s3_port}/moto-api/")

    def prepare_site(self) -> str:
        self.manage("migrate", "--no-input")
        self.manage("collectstatic", "--no-input")
        return self.manage("shell", "-c", SETUP).strip().splitlines()[-1]

    def start_app(self, index: int) -> None:
        port = self.app_ports[index]
        self._spawn(
            f"gunicorn-{index + 1}",
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"{HOST}:{port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
            ],  # fmt: skip
        )
        wait_http(f"http://{HOST}:{port}/healthz")

    def start_worker(self) -> None:
        self._spawn("worker", [sys.executable, "manage.py", "db_worker"])

    def start_nginx(self) -> None:
        upstreams = "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout=5s;" for port in self.app_ports
        )
        conf = self.dir / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                dir=self.dir,
                host=HOST,
                port=self.nginx_port,
                base=BASE_DIR,
                static=self.dir / "static",
                upstreams=upstreams,
            )
        )
        self._spawn("nginx", ["nginx", "-p", str(self.dir), "-c", str(conf), "-g", "daemon off;"])
        wait_http(f"{self.url}/readyz")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.nginx_port}"

    def start(self) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.log"):
            old.unlink()
        self.start_postgres()
        self.start_redis()
        self.start_moto()
        slug = self.prepare_site()
        for index in range(self.servers):
            self.start_app(index)
        self.start_worker()
        self.start_nginx()
        return slug

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--base-port", type=int, default=8180)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop the components on SIGTERM as on Ctrl-C
    with Cluster(servers=args.servers, base_port=args.base_port) as cluster:
        slug = cluster.start()
        print(f"Passerelle cluster: {cluster.url}/  (apply: {cluster.url}/offres/{slug}/candidater/)")
        print(
            f"  app servers {cluster.app_ports}, Redis :{cluster.redis_port}, S3 :{cluster.s3_port}, logs {cluster.dir}"
        )
        print("Ctrl-C stops everything.")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
