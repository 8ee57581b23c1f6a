"""Every state change of members and applicants has one function in this package.

members: creating and importing members. registration: 参加登録, verification, review.
security: sign-in links, passwords, two-factor, sessions. lifecycle: profile, roles,
reconfirmation and inactivity.
"""

from kyoso.accounts.actions.members import (
    DuplicateEmail,
    NewMember,
    create_member,
    import_members,
    normalize_email,
    purge_members,
)

__all__ = [
    "DuplicateEmail",
    "NewMember",
    "create_member",
    "import_members",
    "normalize_email",
    "purge_members",
]
