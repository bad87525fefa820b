from pathlib import Path

import pytest

from sphere.errors import ConfigurationError
from sphere.settings import load_settings, settings_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_default_database_is_sqlite_under_home(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.as_posix()}/sphere.db"


def test_safe_dump_hides_credentials() -> None:
    settings = load_settings(database_url="postgresql+psycopg://app:s3cret@db.example.com/crm")
    dumped = settings.safe_dump()
    assert "s3cret" not in str(dumped)
    assert dumped["database_url"] == "postgresql+psycopg://***@db.example.com/crm"


def test_prod_refuses_placeholder_secret() -> None:
    with pytest.raises(ConfigurationError, match="PSEUDONYM_SECRET"):
        load_settings(env="prod")


def test_configuration_doc_matches_settings() -> None:
    assert DOC.read_text(encoding="utf-8") == settings_markdown(), "run `make docs`"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SPHERE_ENV": "prod"}, "invalid settings: SPHERE_PSEUDONYM_SECRET must be set in prod"),
        ({"SPHERE_BATCH_SIZE": "abc"}, "invalid settings: SPHERE_BATCH_SIZE: Input should be"),
    ],
    ids=["model-check", "field"],
)
def test_invalid_settings_are_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    """The CLI prints only an error's first line: pydantic's report put the variable on
    the second ('1 validation error for Settings' was all a user saw)."""
    monkeypatch.setenv("SPHERE_HOME", str(tmp_path))
    for name in ("SPHERE_PSEUDONYM_SECRET", "SPHERE_MASTER_KEY", "SPHERE_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(expected) and "\n" not in message
