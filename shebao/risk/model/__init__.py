"""The screening model shipped with the package (LightGBM text model + metadata)."""
