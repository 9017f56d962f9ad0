"""The application risk model shipped with the package (LightGBM text model and its metadata)."""
