"""What the two HTTP faces share: request dependencies (database session, current user, role checks).

``api`` (JSON routers) and ``web`` (pages) both import it; neither imports the other. It sits between
them and the domains because the current user comes from ``users``, which ``core`` may not import.
"""
