"""Django's upload handlers, reading request bodies in larger chunks.

Django reads a multipart body 64 KB at a time, and each chunk goes through gunicorn's body reader, the
multipart parser and the handler in Python: larger chunks mean fewer trips for the same CV (the figures, and
why not 512 KB, are in bench/NOTES.md). What is kept in memory or spooled to a temporary file is decided as
before (FILE_UPLOAD_MAX_MEMORY_SIZE).
What an upload may contain is checked afterwards, in one place: applications/files.py.
"""

from django.core.files import uploadhandler

# A multiple of 4, as base64-encoded parts need.
CHUNK_SIZE = 256 * 1024


class MemoryFileUploadHandler(uploadhandler.MemoryFileUploadHandler):
    chunk_size = CHUNK_SIZE


class TemporaryFileUploadHandler(uploadhandler.TemporaryFileUploadHandler):
    chunk_size = CHUNK_SIZE
