"""Stored files (message PDFs, dispute attachments, evidence) are written whole or not
at all: into a hidden temporary file beside their place, then renamed into it. Django's
own storage writes in place, so a full disk left a truncated PDF that no row named."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage


class _Written:
    """A file already on disk, which Django's storage moves into place."""

    def __init__(self, path: str) -> None:
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        if hasattr(content, "temporary_file_path"):  # already whole on disk
            return str(super()._save(name, content))
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            return str(super()._save(name, _Written(partial)))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
