"""Uploaded files, read defensively (shared by the API and the pages)."""

from __future__ import annotations

from typing import Any


def read_uploads(uploads: list[Any], max_file_bytes: int) -> tuple[list[tuple[str, bytes]], list[dict]]:
    """The files' (name, bytes), each read up to one byte past the limit, never further; a file over the
    limit becomes an entry of its own with the reason (the intake's document shape), not read at all."""
    items: list[tuple[str, bytes]] = []
    refused: list[dict] = []
    for k, upload in enumerate(uploads):
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or f"file{k + 1}"
        data = upload.file.read(max_file_bytes + 1)
        if len(data) > max_file_bytes:
            refused.append({"file": name, "type": "other", "fields": {}, "confidence": {}, "raw_text": "",
                            "problems": [{"field": None, "code": "too_large",
                                          "message": f"文件过大（超过 {max_file_bytes / 1048576:.0f} MB），未读取，"
                                                     "请压缩或分页后重新上传"}]})
            continue
        items.append((name, data))
    return items, refused
