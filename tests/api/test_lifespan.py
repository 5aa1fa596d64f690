"""The app loads its index in the lifespan: /healthz at once, /readyz 503 until loaded, clear errors."""


from fastapi.testclient import TestClient

from service.api.app import create_app
from tests.readiness import wait_until_loaded
from service.settings import Settings


def test_app_loads_the_built_index_in_its_lifespan(settings, engine):
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert wait_until_loaded(client).status_code == 200
        assert client.get("/search", params={"q": "minpaku"}).status_code == 200


def test_missing_index_keeps_readyz_503_with_the_reason(tmp_path, small_seeds):
    with TestClient(create_app(Settings(data_dir=tmp_path / "empty", seeds_dir=small_seeds))) as client:
        response = wait_until_loaded(client)
        assert response.status_code == 503
        assert "runri index build" in response.json()["message"]
        search = client.get("/search", params={"q": "visa"})
        assert search.status_code == 503 and search.json()["error"] == "not_ready"
