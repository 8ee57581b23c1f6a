"""Media files (attachments, stamps) are written whole or not at all.

Django's ``FileSystemStorage`` writes a file in place, chunk after chunk: when the disk fills up half
way, the half-written file stays under its final name, and the ``OSError`` becomes a 500. Here the
bytes go to a hidden temporary file in the same folder first, flushed to disk, and only a complete
file is renamed to its final name (a rename within one file system is atomic). On any error the
temporary file is removed; a full disk (``ENOSPC``, or a quota: ``EDQUOT``) answers
``InsufficientStorage`` (507) in the member's language, so the action storing the file rolls its
rows back and says so.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage

from kyoso.core.errors import InsufficientStorage
from kyoso.core.logs import log_event

logger = logging.getLogger("kyoso.core")

# A file being written: hidden, so that nothing lists it, and named so an operator knows what it is.
STAGED_PREFIX = ".kyoso-"
STAGED_SUFFIX = ".part"
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class _Staged(File):
    """A complete file on the same file system as its destination: Django moves it by renaming."""

    def __init__(self, path: str) -> None:
        super().__init__(None, name=os.path.basename(path))
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class FileSystemStorage(DjangoFileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        directory = os.path.dirname(self.path(name))
        try:
            self._make_directory(directory)
            source = getattr(content, "temporary_file_path", None)
            if source is not None and _same_file_system(source(), directory):
                # A rename: the file appears whole or not at all.
                return super()._save(name, content)  # type: ignore[misc]  # the stubs omit _save
            return self._save_staged(name, content, directory)
        except OSError as error:
            if error.errno in DISK_FULL:
                log_event(logger, "storage.full", level=logging.ERROR, directory=directory)
                raise InsufficientStorage() from error
            raise

    def _save_staged(self, name: str, content: Any, directory: str) -> str:
        descriptor, staged = tempfile.mkstemp(dir=directory, prefix=STAGED_PREFIX, suffix=STAGED_SUFFIX)
        try:
            with os.fdopen(descriptor, "wb") as output:
                for chunk in content.chunks():
                    output.write(chunk if isinstance(chunk, bytes) else chunk.encode())
                output.flush()
                # On disk before the row that names it commits: a crash leaves no empty file behind it.
                os.fsync(output.fileno())
            return super()._save(name, _Staged(staged))  # type: ignore[misc]
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staged)  # renamed away once saved; anything left is a failed write

    def _make_directory(self, directory: str) -> None:
        # As Django's _save makes it: with FILE_UPLOAD_DIRECTORY_PERMISSIONS, whatever the umask.
        mode = self.directory_permissions_mode
        if mode is None:
            os.makedirs(directory, exist_ok=True)
            return
        old_umask = os.umask(0o777 & ~mode)
        try:
            os.makedirs(directory, mode, exist_ok=True)
        finally:
            os.umask(old_umask)


def _same_file_system(path: str, directory: str) -> bool:
    try:
        return os.stat(path).st_dev == os.stat(directory).st_dev
    except OSError:
        return False
