"""The operations settings of issue 13: webhook, health server, leadership, log format."""

from __future__ import annotations

import pytest

from atlasbot.config import SettingsError, load_settings


def test_polling_with_text_logs_and_a_loopback_health_server_is_the_default() -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    assert settings.log_format == "text"
    assert (settings.health_host, settings.health_port) == ("127.0.0.1", 8080)


def test_a_webhook_url_without_a_secret_is_refused_in_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(webhook_url="https://bot.example/telegram")
    message = str(caught.value)
    assert "ATLASBOT_WEBHOOK_SECRET" in message
    assert "\n" not in message


def test_a_plain_http_webhook_url_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"ATLASBOT_WEBHOOK_URL: .*https://"):
        load_settings(webhook_url="http://bot.example/telegram", webhook_secret="s3cret")
    # A host that merely starts like a loopback one is a network host.
    with pytest.raises(SettingsError, match=r"ATLASBOT_WEBHOOK_URL: .*https://"):
        load_settings(webhook_url="http://127.0.0.1.bot.example/t", webhook_secret="s3cret")


def test_plain_http_is_admitted_on_loopback_only_for_the_sandbox() -> None:
    for url in ("http://127.0.0.1:8443/hook", "http://localhost/hook", "http://[::1]:80/h"):
        assert load_settings(webhook_url=url, webhook_secret="s3cret").webhook_url == url


def test_a_webhook_secret_telegram_would_refuse_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError, match="ATLASBOT_WEBHOOK_SECRET") as caught:
        load_settings(webhook_url="https://bot.example/t", webhook_secret="has space!")
    assert "has space" not in str(caught.value)


def test_a_webhook_with_its_secret_is_accepted_and_the_secret_stays_hidden() -> None:
    settings = load_settings(webhook_url="https://bot.example/t", webhook_secret="abc_DEF-123")
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "abc_DEF-123"
    assert "abc_DEF-123" not in repr(settings)


def test_a_lease_shorter_than_two_renewals_is_refused() -> None:
    with pytest.raises(SettingsError, match="LEADERSHIP_LEASE_S"):
        load_settings(leadership_renew_s=2, leadership_lease_s=3)


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(SettingsError, match="ATLASBOT_LOG_FORMAT"):
        load_settings(log_format="xml")


def test_the_mini_app_is_off_by_default_and_its_url_must_be_https() -> None:
    settings = load_settings()
    assert settings.webapp_url is None and settings.map_tiles_url == ""
    assert load_settings(webapp_url="https://bot.example/app/").webapp_url
    with pytest.raises(SettingsError, match=r"ATLASBOT_WEBAPP_URL: .*https://"):
        load_settings(webapp_url="http://bot.example/app/")
