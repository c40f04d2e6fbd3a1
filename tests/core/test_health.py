"""Probes for the load balancer and the orchestrator."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_liveness_answers_without_touching_anything(client: Client, django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_checks_database_and_task_queue(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "tasks": "ok"}}


@pytest.mark.django_db
def test_readiness_fails_when_the_task_queue_is_unreachable(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from huey.contrib.djhuey import HUEY

    def unreachable() -> int:
        raise ConnectionError("queue storage down")

    monkeypatch.setattr(HUEY, "pending_count", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "tasks": "unavailable"}


@pytest.mark.django_db
def test_readiness_fails_when_the_database_is_unreachable(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    def broken_cursor(*args: object, **kwargs: object) -> object:
        raise ConnectionError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
