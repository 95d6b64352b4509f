"""Per-browser sessions: an id kept in the browser's local storage, and a folder per id.

Runs started in the dashboard are written under ``<results>/dashboard/<session id>/``; a
browser sees its own folder and the experiments outside ``<results>/dashboard/``, never
another browser's runs.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

SESSION_RE = re.compile(r"^[0-9a-f]{32}$")
SESSIONS_DIR = "dashboard"


def new_session_id() -> str:
    return uuid.uuid4().hex


def valid(session: str | None) -> bool:
    """True for an id made by :func:`new_session_id` (ids come from the browser: never trust them)."""
    return isinstance(session, str) and bool(SESSION_RE.match(session))


def session_dir(results: Path, session: str) -> Path:
    """``<results>/dashboard/<session>``; raises ValueError on an invalid id."""
    if not valid(session):
        raise ValueError("invalid session id")
    return Path(results) / SESSIONS_DIR / session


def upload_dir(results: Path, session: str) -> Path:
    return session_dir(results, session) / "uploads"


def visible(results: Path, folder: Path, session: str | None) -> bool:
    """Whether ``folder`` (inside ``results``) may be shown to ``session``."""
    try:
        rel = Path(folder).resolve().relative_to(Path(results).resolve())
    except ValueError:
        return False
    parts = rel.parts
    if not parts or parts[0] != SESSIONS_DIR:
        return True
    return len(parts) > 1 and valid(session) and parts[1] == session


def resolve_inside(results: Path, rel: str | None, session: str | None) -> Path | None:
    """The folder ``results/rel`` if it is inside ``results`` and visible to ``session``, else None."""
    if not rel or not isinstance(rel, str):
        return None
    folder = (Path(results) / rel).resolve()
    return folder if visible(results, folder, session) and folder.is_dir() else None
