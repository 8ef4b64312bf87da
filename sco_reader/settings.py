"""The reader's few preferences (the theme chosen in the palette), kept between runs.

Pure: a small JSON file under the user config directory (``platformdirs``), or where
``SCO_READER_CONFIG`` names. A missing, unreadable or damaged file means defaults; it is
never an error, and reading state (marks) never lives here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

ENV_VAR = "SCO_READER_CONFIG"
"""Environment variable naming the settings file."""


def settings_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$SCO_READER_CONFIG``, or ``settings.json`` in the user config directory."""
    override = environ.get(ENV_VAR, "")
    if override.strip():
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path("sco-reader", appauthor=False) / "settings.json"


def load(path: Path | None = None) -> dict[str, object]:
    """The saved settings (``{}`` when there are none or they cannot be read)."""
    try:
        found = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def save(changes: Mapping[str, object], path: Path | None = None) -> bool:
    """Merge ``changes`` into the saved settings (written aside, then renamed); ``False`` when it cannot."""
    path = path or settings_path()
    merged = {**load(path), **changes}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        aside.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(aside, path)
    except OSError:
        return False
    return True
