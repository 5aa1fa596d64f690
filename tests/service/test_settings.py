"""Configuration fails safe: nonsense is refused at start-up naming the variable, and a blank API token
turns writes off instead of opening them."""

from __future__ import annotations

import pytest

from service import cli
from service.settings import Settings, SettingsError, get_settings, load_settings


@pytest.fixture
def environ(monkeypatch):
    """A clean RUNRI_* environment; get_settings() is not cached across it."""
    import os

    for name in [n for n in os.environ if n.upper().startswith("RUNRI_")]:
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_a_blank_token_means_writes_are_off(environ, value):
    environ.setenv("RUNRI_API_TOKEN", value)
    assert load_settings().write_token is None
    assert Settings(api_token=value).write_token is None  # also when built in code


def test_a_token_read_from_a_file_loses_its_newline(environ):
    environ.setenv("RUNRI_API_TOKEN", "s3cret-token\n")
    assert load_settings().write_token == "s3cret-token"


@pytest.mark.parametrize(("variables", "fragments"), [
    ({"RUNRI_API_TOKEN": "two words"}, ["RUNRI_API_TOKEN: must be printable ASCII"]),
    ({"RUNRI_CHUNK_SIZE": "abc"}, ["RUNRI_CHUNK_SIZE='abc': Input should be a valid integer"]),
    ({"RUNRI_CHUNK_SIZE": "100", "RUNRI_CHUNK_OVERLAP": "100"},
     ["RUNRI_CHUNK_OVERLAP (100) must be smaller than RUNRI_CHUNK_SIZE (100)"]),
    ({"RUNRI_ABSTAIN_BELOW": "nan"}, ["RUNRI_ABSTAIN_BELOW='nan': Input should be a finite number"]),
    ({"RUNRI_IVF_NLIST_PER_SQRT_N": "inf"}, ["RUNRI_IVF_NLIST_PER_SQRT_N='inf'"]),
    ({"RUNRI_PORT": "70000"}, ["RUNRI_PORT='70000': Input should be less than or equal to 65535"]),
    ({"RUNRI_MODEL_RUNTIME": "gpu"}, ["RUNRI_MODEL_RUNTIME='gpu': Input should be 'onnxruntime' or 'torch'"]),
    ({"RUNRI_HOST": "my host"}, ["RUNRI_HOST='my host': must be an IP address or a host name"]),
    ({"RUNRI_DATA_DIR": __file__}, ["RUNRI_DATA_DIR=", "is a file; give a folder"]),
    ({"RUNRI_MODEL_PATH": "/no/such/model"}, ["RUNRI_MODEL_PATH='/no/such/model': /no/such/model is not a folder"]),
    ({"RUNRI_BACKEND": "chroma"}, ["RUNRI_BACKEND='chroma': Input should be 'faiss' or 'milvus'"]),
    ({"RUNRI_MILVUS_URI": "ftp://milvus"}, ["RUNRI_MILVUS_URI='ftp://milvus': must be a Milvus Lite file path"]),
    ({"RUNRI_SENTENCE_VECTOR_STORAGE": "pq"}, ["RUNRI_SENTENCE_VECTOR_STORAGE='pq'"]),
    ({"RUNRI_BUILD_COMPUTE": "fp8"}, ["RUNRI_BUILD_COMPUTE='fp8': Input should be 'auto', 'float32' or 'bfloat16'"]),
    ({"RUNRI_BUILD_COMPUTE": "bfloat16", "RUNRI_MODEL_PRECISION": "int8"},
     ["RUNRI_BUILD_COMPUTE=bfloat16 needs RUNRI_MODEL_PRECISION=float32 (got int8)"]),
    ({"RUNRI_API_TOKN": "s3cret"}, ["RUNRI_API_TOKN is not a setting (did you mean RUNRI_API_TOKEN?)"]),
    ({"RUNRI_EMBED_BATCH_SIZE": "0", "RUNRI_DEFAULT_K": "900"},
     ["RUNRI_EMBED_BATCH_SIZE='0'", "RUNRI_DEFAULT_K='900'"]),  # every problem at once
])
def test_nonsense_is_refused_naming_the_variable(environ, variables, fragments):
    for name, value in variables.items():
        environ.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    for fragment in fragments:
        assert fragment in caught.value.message, caught.value.message


def test_a_secret_is_never_echoed_in_the_error(environ):
    environ.setenv("RUNRI_API_TOKEN", "my secret")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "my secret" not in caught.value.message


def test_an_unset_compose_variable_is_the_default(environ):
    environ.setenv("RUNRI_CHUNK_SIZE", "")
    assert load_settings().chunk_size == Settings().chunk_size


def test_runri_serve_refuses_to_start_and_says_which_variable(environ, capsys):
    environ.setenv("RUNRI_MAX_BODY_BYTES", "-1")
    assert cli.main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "RUNRI_MAX_BODY_BYTES='-1': Input should be greater than or equal to 1" in err


@pytest.mark.parametrize(("native", "precision", "expected"), [
    (True, "float32", "bfloat16"), (False, "float32", "float32"), (True, "int8", "float32")])
def test_auto_build_compute_takes_bfloat16_only_where_the_cpu_has_the_units(monkeypatch, native, precision, expected):
    """RUNRI_BUILD_COMPUTE=auto (the default) builds with bfloat16 on AMX or AVX512-BF16 cores, where it
    is 1.7x faster, and with float32 elsewhere (emulated bfloat16 is slower) or for the int8 model."""
    import index.embed

    monkeypatch.setattr(index.embed, "native_bfloat16", lambda: native)
    assert Settings(model_precision=precision).resolved_build_compute == expected
    assert Settings(build_compute="float32").resolved_build_compute == "float32"
