"""Settings: defaults built in, every key overridable, unknown keys and bad values fail by name."""

from decimal import Decimal
from pathlib import Path

import pytest

from core.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "ledger-audit.example.toml"


def test_example_file_lists_every_setting_with_its_default():
    assert load_config(EXAMPLE) == Config()
    text = EXAMPLE.read_text()
    for section, model in Config().model_dump().items():
        assert f"[{section}]" in text
        for key in model:
            assert f"\n{key} = " in text, f"{section}.{key} missing from {EXAMPLE.name}"


def test_a_setting_overrides_its_default(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[rules]\ndispute_days = 45\nstructured_min_total = "15000.00"\n')
    cfg = load_config(f)
    assert cfg.rules.dispute_days == 45
    assert cfg.rules.structured_min_total == Decimal("15000.00")
    assert cfg.rules.minor_age == 18


@pytest.mark.parametrize(
    "text, message",
    [
        ("[rules]\ndispute_dayz = 45\n", r"rules\.dispute_dayz: unknown key"),
        ("[rulez]\n", r"rulez: unknown key"),
        ("[rules]\ndispute_days = -1\n", r"rules\.dispute_days: .*greater than 0"),
        ('[balance]\nburn_down = ["cash", "cash", "trial"]\n', r"balance\.burn_down"),
        ('[platform]\ntimezone = "Mars/Olympus"\n', r"platform\.timezone: .*unknown time zone"),
        ('[liability]\ncap_basis = "owed"\n', r"liability\.cap_basis"),
    ],
)
def test_bad_settings_fail_naming_the_key(tmp_path, text, message):
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(f)


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
