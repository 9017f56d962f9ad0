"""Staff users, their roles, passwords and API tokens.

Kept out of ``core`` (where the role names live) because every change to a user is audited, and
``core`` sits below ``audit``.
"""
