"""Uploaded files into pages, defensively: the type from the bytes (not the name), limits on size,
pixels and pages, nothing in a file ever executed or fetched.

- Images: PNG, JPEG, TIFF (PIL), EXIF orientation applied; a decompression bomb is refused by PIL's
  pixel limit (set here), and every page is scaled to at most :data:`MAX_SIDE` pixels.
- PDFs: pypdfium2 (PDFium, BSD/Apache): at most :data:`MAX_PDF_PAGES` pages; a page with a text layer
  is read directly, a scanned page is rendered at a scale that keeps it under :data:`MAX_SIDE`
  (a page claiming to be 5 km wide renders no bigger than a normal one). PDFium runs no JavaScript
  and fetches nothing unless asked (we never ask).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000          # decoded image pixels (PIL refuses more: a decompression bomb)
MAX_SIDE = 1600                  # a page is scaled to this longest side before OCR
MAX_PDF_PAGES = 20
MIN_TEXT_LAYER_CHARS = 20        # a PDF page with fewer characters in its text layer is treated as a scan


class FileProblem(ValueError):
    """A file that cannot be read: ``code`` and a Chinese ``message`` for the person who sent it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Page:
    """One page: an image to OCR, or the text of a PDF's text layer (then ``image`` is None)."""

    label: str                   # the file name, or NAME.pdf#N
    image: np.ndarray | None = None
    text: str | None = None


def sniff(data: bytes) -> str | None:
    """The file type from its first bytes: png, jpeg, tiff, pdf, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    return None


ALLOWED_TYPES = ("png", "jpeg", "tiff", "pdf")
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff", "pdf": "application/pdf"}


def pages_of(name: str, data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> list[Page]:
    """The pages of one file, or :class:`FileProblem` saying why it cannot be read."""
    if len(data) == 0:
        raise FileProblem("empty", "文件为空")
    if len(data) > max_bytes:
        raise FileProblem("too_large", f"文件过大（{len(data) / 1048576:.1f} MB），单个文件不超过 "
                                       f"{max_bytes / 1048576:.0f} MB")
    kind = sniff(data)
    if kind is None:
        raise FileProblem("unsupported_type", "不支持的文件类型：仅接受 PNG、JPEG、TIFF 图片和 PDF 文件")
    if kind == "pdf":
        return _pdf_pages(name, data)
    return _image_pages(name, data)


def _image_pages(name: str, data: bytes) -> list[Page]:
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    pages: list[Page] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_PDF_PAGES:
                raise FileProblem("too_many_pages", f"图片页数过多（{frames} 页），不超过 {MAX_PDF_PAGES} 页")
            for k in range(frames):
                image.seek(k)
                frame = ImageOps.exif_transpose(image.copy()) if k == 0 else image.copy()
                frame.load()
                pages.append(Page(label=name if frames == 1 else f"{name}#{k + 1}", image=_to_array(frame)))
    except FileProblem:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileProblem("too_many_pixels", f"图片像素过多（超过 {MAX_PIXELS // 1_000_000} 百万像素），疑似异常文件") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise FileProblem("corrupt", "图片文件已损坏或不完整，无法打开，请重新拍摄或导出后上传") from None
    return pages


def _to_array(image) -> np.ndarray:
    from PIL import Image

    image = image.convert("RGB")
    scale = MAX_SIDE / max(image.size)
    if scale < 1:
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))), Image.LANCZOS)
    return np.asarray(image)


def _pdf_pages(name: str, data: bytes) -> list[Page]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise FileProblem("corrupt", "PDF 文件已损坏或设有密码，无法打开，请重新导出或扫描后上传") from None
    try:
        count = len(pdf)
        if count == 0:
            raise FileProblem("empty", "PDF 文件没有页面")
        if count > MAX_PDF_PAGES:
            raise FileProblem("too_many_pages", f"PDF 页数过多（{count} 页），一次不超过 {MAX_PDF_PAGES} 页")
        pages: list[Page] = []
        for k in range(count):
            label = f"{name}#{k + 1}"
            page = pdf[k]
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                text = textpage.get_text_bounded() or ""
                textpage.close()
                if len(text.strip()) >= MIN_TEXT_LAYER_CHARS:
                    pages.append(Page(label=label, text=text))
                    continue
                if width <= 0 or height <= 0:
                    raise FileProblem("corrupt", f"第 {k + 1} 页尺寸无效")
                scale = min(MAX_SIDE / max(width, height), 4.0)
                bitmap = page.render(scale=scale)
                pages.append(Page(label=label, image=np.asarray(bitmap.to_pil().convert("RGB"))))
            finally:
                page.close()
        return pages
    except pdfium.PdfiumError:
        raise FileProblem("corrupt", "PDF 中有页面无法读取，请重新导出或扫描后上传") from None
    finally:
        pdf.close()
