"""Read policy documents and split Chinese legal texts into articles (第X条).

Any folder of documents works: Markdown and plain text, Word (.docx, via python-docx) and PDF
(via pypdf). Each article keeps its exact text and a stable citation: ``law`` is the document's
title as its first heading gives it, ``article`` the article number as an integer
(第一百零二条 → 102), with the chapter it sits in and the document's date.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from shebao.core.numerals import cn_to_int  # noqa: F401 - re-exported: article numbers are read with it

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".pdf")

_NUMERAL = "零〇一二三四五六七八九十百千两0-9０-９"

_ARTICLE_RE = re.compile(rf"^第([{_NUMERAL}]+)条(?=[\s　]|$)[\s　]*")
_CHAPTER_RE = re.compile(rf"^第([{_NUMERAL}]+)([章编])[\s　]*(.*)$")
_SECTION_RE = re.compile(rf"^第([{_NUMERAL}]+)节[\s　]*(.*)$")
_APPENDIX_RE = re.compile(r"^(附录|附件|附表)[\s　]*[一二三四五六七八九十\d]*[：:]?[\s　]*$")
_ISO_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_SENTENCE_END = "。；：，、！？;:,!?）)》”"


class DocumentError(ValueError):
    """A document cannot be read (unsupported type, unreadable file)."""


@dataclass
class Article:
    """One article of one document: the unit the knowledge base retrieves and cites."""

    law: str
    article: int
    text: str
    chapter: str | None = None
    section: str | None = None
    date: str | None = None
    source: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.law, self.article)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    """A document read from disk: its title, date, plain text lines and articles."""

    path: Path
    title: str
    date: str | None
    articles: list[Article]
    sha256: str


def file_sha256(path: Path) -> str:
    """Content hash of a file (what incremental rebuilds compare)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def list_documents(folder: Path) -> list[Path]:
    """The supported documents of a folder (recursively), in a stable order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DocumentError(f"目录不存在：{folder}")
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def _read_lines(path: Path) -> tuple[list[str], str | None]:
    """The document as lines of text and the title its first heading gives (if any)."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise DocumentError(f"无法识别文件编码：{path}")
        lines = text.splitlines()
        title = None
        for line in lines:
            match = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
            if match:
                title = match.group(1).strip()
                break
        return lines, title
    if suffix == ".docx":
        import docx  # python-docx

        doc = docx.Document(str(path))
        lines, title = [], None
        for para in doc.paragraphs:
            style = (para.style.name if para.style is not None else "") or ""
            text = para.text
            if title is None and text.strip() and (style.startswith("Heading") or style == "Title"):
                title = text.strip()
                lines.append("# " + title)
                continue
            if style.startswith("Heading") and text.strip():
                lines.append("## " + text.strip())
                continue
            lines.append(text)
        return lines, title
    if suffix == ".pdf":
        from pypdf import PdfReader

        try:
            reader = PdfReader(str(path))
            pages = [page.extract_text() or "" for page in reader.pages]
        except Exception as exc:  # pypdf raises many types on damaged files
            raise DocumentError(f"无法读取 PDF：{path}：{exc}") from exc
        return _unwrap_pdf_lines("\n".join(pages).splitlines()), None
    raise DocumentError(f"不支持的文件类型：{path.suffix}（支持 {', '.join(SUPPORTED_SUFFIXES)}）")


def _unwrap_pdf_lines(lines: list[str]) -> list[str]:
    """Undo the hard line wrapping of PDF text: a line continues unless a new unit starts."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            out.append("")
            continue
        starts_unit = bool(
            _ARTICLE_RE.match(line) or _CHAPTER_RE.match(line) or _SECTION_RE.match(line)
            or re.match(r"^[（(][一二三四五六七八九十]+[)）]", line) or _APPENDIX_RE.match(line)
        )
        if out and out[-1] and not starts_unit and out[-1][-1] not in "。；：！？":
            out[-1] += line
        else:
            out.append(line)
    return out


def _document_date(path: Path, preamble: list[str]) -> str | None:
    match = _ISO_DATE_IN_NAME.search(path.stem)
    if match:
        y, m, d = (int(g) for g in match.groups())
        return f"{y:04d}-{m:02d}-{d:02d}"
    dates = []
    for line in preamble:
        for y, m, d in _CN_DATE.findall(line):
            dates.append(f"{int(y):04d}-{int(m):02d}-{int(d):02d}")
    return max(dates) if dates else None


def _is_plain_heading(lines: list[str], i: int) -> bool:
    """A short stand-alone line between articles that names a chapter (no ``##`` marker)."""
    line = lines[i].strip()
    if not line or len(line) > 20 or line[-1] in _SENTENCE_END or line[0] in "（(<#":
        return False
    if re.search(r"[，。；：、]", line):
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = next((lines[j].strip() for j in range(i + 1, len(lines)) if lines[j].strip()), "")
    return before == "" and bool(_ARTICLE_RE.match(after) or _SECTION_RE.match(after))


def parse_lines(lines: list[str], *, title: str, date: str | None, source: str = "") -> list[Article]:
    """Split a legal text (as lines) into articles.

    An article starts at a line ``第X条`` whose number is larger than the previous article's
    (a paragraph that happens to begin with a cross-reference is not a new article) and runs
    until the next article, chapter heading or appendix.
    """
    articles: list[Article] = []
    chapter: str | None = None
    section: str | None = None
    current: list[str] | None = None
    number = 0
    in_appendix = False

    def close() -> None:
        nonlocal current
        if current is not None:
            text = "\n".join(current).strip()
            text = re.sub(r"\n{3,}", "\n\n", text)
            articles.append(
                Article(law=title, article=number, text=text, chapter=chapter, section=section, date=date, source=source)
            )
        current = None

    for i, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip().lstrip("#").strip() if line.lstrip().startswith("#") else line.strip()
        is_md_heading = line.lstrip().startswith("#")
        if line.strip().startswith("<!--"):
            continue
        match = _ARTICLE_RE.match(stripped) if not is_md_heading or stripped.startswith("第") else None
        if match:
            try:
                value = cn_to_int(match.group(1))
            except ValueError:
                value = -1
            if value > number:
                close()
                number = value
                current = [stripped]
                in_appendix = False
                continue
        if _APPENDIX_RE.match(stripped):
            close()
            in_appendix = True
            continue
        chapter_match = _CHAPTER_RE.match(stripped)
        if chapter_match and (is_md_heading or len(stripped) <= 30) and not re.search(r"[，。；]", stripped):
            close()
            chapter = re.sub(r"[\s　]+", " ", stripped).strip()
            section = None
            continue
        section_match = _SECTION_RE.match(stripped)
        if section_match and (is_md_heading or len(stripped) <= 30) and not re.search(r"[，。；]", stripped):
            close()
            section = re.sub(r"[\s　]+", " ", stripped).strip()
            continue
        if is_md_heading and stripped:
            if re.match(r"^#\s", line.lstrip()):
                continue  # the title itself
            close()
            chapter, section = re.sub(r"[\s　]+", " ", stripped), None
            continue
        if number > 0 and not in_appendix and _is_plain_heading(lines, i):
            close()
            chapter, section = stripped, None
            continue
        if current is not None and not in_appendix:
            current.append(line.strip())
    close()
    return articles


def read_document(path: Path) -> Document:
    """Read one document and split it into articles."""
    path = Path(path)
    lines, title = _read_lines(path)
    if not title:
        first = next((ln.strip().lstrip("#").strip() for ln in lines if ln.strip()), "")
        title = first if first and len(first) <= 60 and not _ARTICLE_RE.match(first) else path.stem
    first_article = next((i for i, ln in enumerate(lines) if _ARTICLE_RE.match(ln.strip())), len(lines))
    date = _document_date(path, lines[:first_article])
    articles = parse_lines(lines, title=title, date=date, source=path.name)
    return Document(path=path, title=title, date=date, articles=articles, sha256=file_sha256(path))
