"""Unit tests of fault_config: CDC_FAULT_EXTRA_YAML merged into the agent
configuration the harness writes.

Run: $HOME/.cache/cdc-agent/py-venv/bin/python tests/fault/test_config.py
"""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fault_config import (SettingsError, emit_yaml, extra_yaml_text, load_settings,  # noqa: E402
                          merge, parse_yaml)

BASE = {
    "name": "fault-postgres",
    "kafka": {"brokers": "127.0.0.1:60092", "format": "json",
              "topics": {"create": {"partitions": "2"}}},
    "offsets": {"path": "/tmp/x/offsets"},
}


class ExtraYamlTest(unittest.TestCase):
    def test_nested_keys_merge_and_replace(self):
        extra = parse_yaml("""
# exactly-once settings
kafka:
  delivery: exactly-once
  commit_interval_ms: 100
  topics:
    create:
      partitions: 4
  properties:
    linger.ms: 5
log_level: debug
""")
        merged = merge({k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}, extra)
        text = "\n".join(emit_yaml(merged))
        self.assertIn("  delivery: exactly-once", text)
        self.assertIn("  format: json", text)
        self.assertIn("      partitions: 4", text)
        self.assertIn("    linger.ms: 5", text)
        self.assertIn("log_level: debug", text)
        self.assertEqual(text.count("kafka:"), 1)

    def test_values_kept_as_written(self):
        extra = parse_yaml("kafka:\n  brokers: 127.0.0.1:1,127.0.0.1:2  # two\n"
                           "source:\n  tables: [public.a, 'x.y']\n")
        self.assertEqual(extra["kafka"]["brokers"], "127.0.0.1:1,127.0.0.1:2  # two")
        self.assertEqual(extra["source"]["tables"], "[public.a, 'x.y']")

    def test_block_sequence_kept(self):
        extra = parse_yaml("source:\n  tables:\n    - public.a\n    - public.b\n")
        text = "\n".join(emit_yaml(extra))
        self.assertEqual(text, "source:\n  tables:\n    - public.a\n    - public.b")

    def test_bad_indentation_is_reported(self):
        with self.assertRaises(SettingsError):
            parse_yaml("kafka:\n    a: 1\n  b: 2\n")

    def test_file_path(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("kafka:\n  delivery: at-least-once\n")
        try:
            self.assertEqual(parse_yaml(extra_yaml_text(f.name)),
                             {"kafka": {"delivery": "at-least-once"}})
        finally:
            os.unlink(f.name)


class SourceFaultsTest(unittest.TestCase):
    def setUp(self):
        self.saved = dict(os.environ)
        for k in ("CDC_FAULTS", "CDC_FAULTS_POSTGRES", "CDC_FAULTS_MYSQL"):
            os.environ.pop(k, None)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def test_each_source_takes_cdc_faults_unless_its_own_is_set(self):
        os.environ["CDC_FAULTS"] = "kill,twin"
        os.environ["CDC_FAULTS_POSTGRES"] = "kill,snapshot-kill"
        s = load_settings()
        self.assertEqual(s.source_faults["postgres"], ["kill", "snapshot-kill"])
        self.assertEqual(s.source_faults["mysql"], ["kill", "twin"])

    def test_unknown_fault_of_one_source_is_an_error(self):
        os.environ["CDC_FAULTS_MYSQL"] = "kill,explode"
        with self.assertRaises(SettingsError):
            load_settings()


if __name__ == "__main__":
    unittest.main()
