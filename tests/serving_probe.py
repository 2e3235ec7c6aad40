"""Start a generated repo's service on loopback and talk to it over HTTP (test helper)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(method: str, url: str, body: object | None = None) -> tuple[int, Any]:
    """Send one JSON request; return the status and the decoded body (errors included)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def request_example(openapi: dict[str, Any]) -> dict[str, Any]:
    """The single-record example the service advertises in its OpenAPI schema."""
    for schema in openapi["components"]["schemas"].values():
        examples = schema.get("examples") or []
        if examples and isinstance(examples[0], dict) and "records" not in examples[0]:
            return dict(examples[0])
    raise AssertionError("no request example in the OpenAPI schema")


def record_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of one record (the component whose example is a single record)."""
    for schema in openapi["components"]["schemas"].values():
        examples = schema.get("examples") or []
        if examples and isinstance(examples[0], dict) and "records" not in examples[0]:
            return schema
    raise AssertionError("no record schema in the OpenAPI schema")


def broken_record(openapi: dict[str, Any]) -> dict[str, Any]:
    """The advertised example with one numeric field set to text, which the contract refuses."""
    example = request_example(openapi)
    properties = record_schema(openapi).get("properties", {})
    for name, spec in properties.items():
        kinds = {spec.get("type")} | {option.get("type") for option in spec.get("anyOf", [])}
        if kinds & {"number", "integer"}:
            return {**example, name: "not a number"}
    raise AssertionError("the record has no numeric field to break")


@contextmanager
def serving(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = 180
) -> Iterator[str]:
    """Run ``command`` (which must take --host/--port) and yield its base URL once healthy."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if http("GET", f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None:
                raise AssertionError(server.stderr.read() if server.stderr else "server exited")
            if time.monotonic() > deadline:
                raise AssertionError("server did not become healthy in time")
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
