"""Document intake (电子材料智能预审): OCR, declarative document types, field checks, completeness."""
