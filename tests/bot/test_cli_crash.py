"""An error no command handles ends the CLI with status 1 and one masked line, never a raw traceback.

A traceback can quote the database URL with its password or a bot token, and
none of it goes through the log redactor; PGPASSWORD, which asyncpg reads
though it is no setting, is masked as the URL's own password is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logging_redact import MASK, Redactor
from bot.settings import Settings

# the module, not the `main` function that bot.cli exports under the same name
cli = importlib.import_module("bot.cli.main")

ROOT = Path(__file__).parents[2]
PASSWORD = "s3cr3tPw"  # 8 characters: masked wherever it appears
# asyncpg raises a bare ValueError parsing this port, before any connection is tried
BAD_PORT_URL = f"postgresql://strikebot:{PASSWORD}@127.0.0.1:notaport/strikebot"
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .env, credentials, STRIKEBOT_ variables or PGPASSWORD from the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("STRIKEBOT_") or name in ("CREDENTIALS_DIRECTORY", "PGPASSWORD"):
            monkeypatch.delenv(name)


def test_a_bad_port_in_the_database_url_is_one_masked_line(tmp_path: Path) -> None:
    env = dict(os.environ, STRIKEBOT_DATABASE_URL=BAD_PORT_URL, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "status"], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=60, check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == "strikebot status: error: ValueError: invalid literal for int() with base 10: 'notaport'\n"
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize("command", [["latest"], ["stats", "--json"], ["import-csv", "x.csv"], ["ingest", "x.json"]])
def test_every_command_reports_the_bad_port_in_one_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.csv").write_text("")
    (tmp_path / "x.json").write_text("[]")
    assert cli.main([*command, "--db", BAD_PORT_URL]) == 1
    out = capsys.readouterr()
    assert out.err == f"strikebot {command[0]}: error: ValueError: invalid literal for int() with base 10: 'notaport'\n"
    assert PASSWORD not in out.out + out.err


def _crashing(message: str) -> object:
    async def command(settings: Settings, args: argparse.Namespace) -> None:
        raise RuntimeError(message)

    return command


def test_an_unhandled_error_quoting_secrets_is_masked_and_folded_to_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STRIKEBOT_DATABASE_URL", f"postgresql://strikebot:{PASSWORD}@db/strikebot")
    monkeypatch.setenv("STRIKEBOT_DISCORD_TOKEN", "discord-token-value")
    monkeypatch.setenv("PGPASSWORD", "pg1")
    message = (
        f"lost postgresql://strikebot:{PASSWORD}@db/strikebot\n"
        f"DETAIL: bare {PASSWORD}, discord-token-value, host=db password=pg1 user=x"
    )
    monkeypatch.setitem(cli.COMMANDS, "status", _crashing(message))
    assert cli.main(["status"]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        f"strikebot status: error: RuntimeError: lost postgresql://strikebot:{MASK}@db/strikebot "
        f"DETAIL: bare {MASK}, {MASK}, host=db password={MASK} user=x\n"
    )


def test_the_traceback_on_request_is_masked_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STRIKEBOT_DATABASE_URL", BAD_PORT_URL)
    monkeypatch.setenv("STRIKEBOT_TRACEBACK", "1")
    monkeypatch.setitem(cli.COMMANDS, "stats", _crashing(f"cannot reach {BAD_PORT_URL} ({PASSWORD})"))
    assert cli.main(["stats"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1].startswith("strikebot stats: error: RuntimeError: cannot reach")
    assert PASSWORD not in err and err.count(MASK) == 4


def test_unreadable_settings_fall_back_to_url_and_token_masking(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreadable() -> Settings:
        raise OSError(f"reading credentials for postgresql://bot:pw@db/x and bot{TOKEN}")

    monkeypatch.setattr(Settings, "from_environment", unreadable)
    assert cli.main(["latest"]) == 1
    err = capsys.readouterr().err
    assert err == f"strikebot latest: error: OSError: reading credentials for postgresql://bot:{MASK}@db/x and bot{MASK}\n"


def test_a_real_unreadable_env_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".env").write_bytes(f"STRIKEBOT_DATABASE_URL={BAD_PORT_URL}\nSTRIKEBOT_LOCALE=\xff\n".encode("latin-1"))
    assert cli.main(["status"]) == 1
    out = capsys.readouterr()
    assert out.err.startswith("strikebot status: error: UnicodeDecodeError: ") and out.err.count("\n") == 1
    assert PASSWORD not in out.out + out.err


def test_ctrl_c_exits_130_quietly(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    async def interrupted(settings: Settings, args: argparse.Namespace) -> None:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "latest", interrupted)
    assert cli.main(["latest"]) == 130
    assert capsys.readouterr() == ("", "")


def test_pgpassword_is_masked_after_password_key_and_in_urls_however_short(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "pw1")
    redact = Redactor()
    assert redact("host=db password=pw1 user=bot") == f"host=db password={MASK} user=bot"
    assert redact("_ConnectionParameters(user='bot', password='pw1', database='x')") == (
        f"_ConnectionParameters(user='bot', password={MASK}, database='x')"
    )
    assert redact("postgresql://bot:pw1@db/x") == f"postgresql://bot:{MASK}@db/x"
    # too short to mask on its own: other words and other passwords that start with it stay
    unrelated = "pw1 and pw12 and keypw1 and password=pw12"
    assert redact(unrelated) == unrelated


def test_a_long_pgpassword_is_masked_anywhere_and_unset_masks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    assert Redactor()(f"auth failed: {PASSWORD}") == f"auth failed: {MASK}"
    monkeypatch.delenv("PGPASSWORD")
    assert Redactor()(f"auth failed: {PASSWORD} password=pw1") == f"auth failed: {PASSWORD} password=pw1"
