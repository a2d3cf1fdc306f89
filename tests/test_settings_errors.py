"""A setting that cannot be used is one SettingsError from bot/settings.py, naming the setting and what to write;
the `mingbai` command prints it as one line, never a traceback, and `mingbai --help` works whatever is set."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.errors import MingbaiError, SettingsError
from bot.settings import Settings
from tests.support import ROOT

GOOD_KEY = "Mingbai0EncodingAESKey0For0Tests0Only0abcde"  # 43 characters, as the WeChat console gives


def mingbai(*args: str, cwd=ROOT, **settings: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **settings}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.mark.parametrize("environ, named, advice", [
    ({"MINGBAI_WEB_PORT": "eighty"}, "MINGBAI_WEB_PORT", "whole number"),
    ({"MINGBAI_ADVISER_ROUTES": "fraud"}, "MINGBAI_ADVISER_ROUTES", "fraud=-1001234567890"),
    ({"MINGBAI_OFFICE_HOURS": "9 to 5"}, "MINGBAI_OFFICE_HOURS", "Mon-Fri 09:00-17:30"),
    ({"MINGBAI_TIMEZONE": "Beijing"}, "MINGBAI_TIMEZONE", "Asia/Shanghai"),
    ({"MINGBAI_WEBHOOK_URL": "https://bot.example.org", "MINGBAI_WEBHOOK_SECRET": "has spaces"},
     "MINGBAI_WEBHOOK_SECRET", "A-Z, a-z, 0-9"),
    ({"MINGBAI_WECHAT_AES_KEY": GOOD_KEY}, "MINGBAI_WECHAT_APPID", "needs MINGBAI_WECHAT_APPID"),
    ({"MINGBAI_WECHAT_AES_KEY": "short", "MINGBAI_WECHAT_APPID": "wx1"}, "MINGBAI_WECHAT_AES_KEY", "43-character"),
])
def test_a_bad_setting_is_a_settings_error_that_says_what_to_write(tmp_path, environ, named, advice):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ, config_file=tmp_path / "none.toml")
    assert raised.value.setting == named and named in str(raised.value) and advice in str(raised.value)
    assert isinstance(raised.value, MingbaiError)


def test_good_safe_mode_settings_pass(tmp_path):
    settings = Settings.from_env({"MINGBAI_WECHAT_AES_KEY": GOOD_KEY, "MINGBAI_WECHAT_APPID": "wx1"},
                                 config_file=tmp_path / "none.toml")
    assert settings.wechat_aes_key == GOOD_KEY


def test_a_broken_settings_file_is_named(tmp_path):
    broken = tmp_path / "mingbai.toml"
    broken.write_text('MINGBAI_WEB_PORT = "80\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="mingbai.toml cannot be read as TOML") as raised:
        Settings.from_env({}, config_file=broken)
    assert raised.value.setting is None


def test_help_works_and_a_command_says_one_line_whatever_is_wrong(tmp_path):
    bad = {"MINGBAI_ADVISER_ROUTES": "bad", "MINGBAI_WEB_PORT": "eighty"}
    help_page = mingbai("--help", **bad)
    assert help_page.returncode == 0 and "usage: mingbai" in help_page.stdout and not help_page.stderr
    # `--faq` given: the settings are first read by the command itself (here `stats`), not by main
    stats = mingbai("--faq", str(ROOT / "faq"), "stats", MINGBAI_DATA_DIR=str(tmp_path), **bad)
    assert stats.returncode == 2 and "Traceback" not in stats.stderr
    [line] = stats.stderr.splitlines()
    assert line.startswith("mingbai: MINGBAI_ADVISER_ROUTES: 'bad'") and "mingbai.toml" in line


def test_a_broken_settings_file_is_one_line_too_and_help_still_works(tmp_path):
    (tmp_path / "mingbai.toml").write_text("MINGBAI_WEB_PORT = = 1\n", encoding="utf-8")
    assert mingbai("--help", cwd=tmp_path).returncode == 0
    check = mingbai("faq", "check", str(ROOT / "faq"), cwd=tmp_path)
    assert check.returncode == 2 and "Traceback" not in check.stderr
    [line] = check.stderr.splitlines()
    assert "mingbai.toml cannot be read as TOML" in line and "remove it" in line
