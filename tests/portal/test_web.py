"""Cross-cutting web behaviour: security headers, health and readiness per component,
Prometheus metrics by route template, language choice and the error shape."""

from __future__ import annotations

import httpx
from alembic.script import ScriptDirectory

from portal.database import alembic_config, create_engine, migrate
from portal.settings import Settings
from schriftje.app import create_app
from tests.conftest import PUBLIC_URL, SECRET
from tests.harness import ROSTER


class TestSecurityHeaders:
    async def test_every_response_carries_them(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            for path in ("/login", "/healthz", "/api/me", "/static/schriftje.css", "/does-not-exist"):
                headers = (await client.get(path)).headers
                assert "frame-ancestors 'none'" in headers["content-security-policy"], path
                assert headers["x-content-type-options"] == "nosniff", path
                assert headers["referrer-policy"] == "no-referrer", path
                assert headers["x-frame-options"] == "DENY", path

    async def test_pages_have_no_external_resources_or_share_metadata(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            html = (await client.get("/login")).text
        assert "http://" not in html and "https://" not in html
        assert "og:" not in html and "twitter:" not in html


class TestHealth:
    async def test_healthz(self, harness) -> None:
        async with harness.client() as client:
            response = await client.get("/healthz")
        assert response.json() == {"status": "ok"}

    async def test_readyz_reports_each_component(self, harness) -> None:
        async with harness.client() as client:
            response = await client.get("/readyz")
        assert response.status_code == 200
        components = response.json()["components"]
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        expected = (
            {"database": "sqlite", "redis": "in-process", "storage": "local"}
            if harness.stack == "embedded"
            else {"database": "postgresql", "redis": "redis", "storage": "s3"}
        ) | {"schema": head}
        assert {name: c["backend"] for name, c in components.items()} == expected
        assert all(c["ok"] for c in components.values())

    async def test_readyz_is_503_when_a_component_fails(self, harness) -> None:
        async def broken() -> str:
            raise ConnectionRefusedError("storage down")

        harness.rt.readiness["storage"] = broken
        async with harness.client() as client:
            response = await client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["components"]["storage"] == {"ok": False, "error": "ConnectionRefusedError"}
        assert body["components"]["database"]["ok"]

    async def test_readyz_is_503_while_the_database_is_behind_the_code(self, tmp_path) -> None:
        settings = Settings(data_dir=str(tmp_path), secret_key=SECRET, public_url=PUBLIC_URL).resolved()
        engine = create_engine(settings.database_url)
        await migrate(engine, "0011")  # an upgrade deployed, its migration not run yet
        await engine.dispose()
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["components"]["schema"] == {"ok": False, "error": "SchemaBehind"}


class TestMetrics:
    async def test_requests_are_counted_by_route_template_never_by_raw_path(self, harness) -> None:
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        link = httpx.URL(harness.links_for("anna@example.nl")[0]).path
        token = link.rsplit("/", 1)[1]
        async with harness.client() as client:
            await client.get(link)
            text = (await client.get("/metrics")).text
        assert 'schriftje_http_requests_total{method="GET",route="/activate/{token}",status="200"} 1.0' in text
        assert "schriftje_http_request_duration_seconds_bucket" in text
        assert token not in text


class TestLanguage:
    async def test_dutch_by_default_english_on_request(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            assert "Wachtwoord vergeten?" in (await client.get("/login")).text
            switch = await client.get("/lang/en?next=/login")
            assert switch.status_code == 303 and switch.headers["location"] == "/login"
            english = (await client.get("/login")).text
        assert "Forgot your password?" in english
        assert '<html lang="en">' in english

    async def test_language_switch_never_redirects_off_site(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            for target in ("https://evil.example", "//evil.example", "/\\evil.example"):
                response = await client.get("/lang/en", params={"next": target})
                assert response.headers["location"] == "/"


class TestErrors:
    async def test_api_404_is_json(self, harness) -> None:
        await harness.organisation()
        async with harness.client() as client:
            response = await client.get("/api/nothing-here")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "Niet gevonden."}


class TestLogs:
    async def test_logs_never_contain_tokens_passwords_or_mail_bodies(self, harness, caplog) -> None:
        import logging

        from portal.logs import JsonFormatter
        from tests.harness import login

        caplog.set_level(logging.DEBUG)
        org = await harness.organisation()
        await harness.import_roster(org, ROSTER)
        async with harness.client() as client:
            await harness.activate(client, "anna@example.nl", "a secret password")
        async with harness.client() as client:
            assert (await login(client, "anna@example.nl", "a secret password")).status_code == 303
            session = client.cookies.get("schriftje_session")
        token = httpx.URL(harness.links_for("anna@example.nl")[0]).path.rsplit("/", 1)[1]
        formatter = JsonFormatter()
        server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # the test's client
        text = "\n".join(formatter.format(record) for record in server_side)
        assert '"route": "/activate/{token}"' in text  # the access log is there
        for secret in (token, session, "a secret password", "Activeer je account"):
            assert secret not in text
