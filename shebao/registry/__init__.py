"""The registry: persons, employers, contributions, accounts, benefits, payments and the
registries shared by other departments; import and export of the exchange format.

    from shebao.registry.loader import load_folder
    from shebao.registry.exporter import export_folder
"""
