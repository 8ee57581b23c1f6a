"""Every state change of members and applicants has one function in this package.

members: creating and importing members. registration: 参加登録, verification, review.
security: sign-in links, passwords, two-factor, sessions. lifecycle: profile, roles,
reconfirmation and inactivity.
"""

from kyoso.accounts.actions.lifecycle import (
    Outcome,
    note_sign_in,
    reconfirm_membership,
    request_reactivation_link,
    run_daily_jobs,
)
from kyoso.accounts.actions.members import (
    DuplicateEmail,
    NewMember,
    create_member,
    import_members,
    normalize_email,
    purge_members,
)
from kyoso.accounts.actions.profile import (
    confirm_organization_change,
    request_organization_change,
    update_profile,
)
from kyoso.accounts.actions.registration import (
    Assessment,
    NewApplication,
    accept_invitation,
    apply_for_membership,
    approve_application,
    assess_eligibility,
    import_applications,
    invite_advisor,
    purge_applications,
    reject_application,
    verify_application,
)
from kyoso.accounts.actions.roles import appoint_ambassador, end_role, set_role
from kyoso.accounts.actions.security import (
    confirm_two_factor,
    disable_two_factor,
    end_member_session,
    end_other_sessions,
    end_session,
    redeem_sign_in_link,
    regenerate_recovery_codes,
    request_sign_in_link,
    set_password,
    start_session,
    verify_second_factor,
)

__all__ = [
    "Assessment",
    "DuplicateEmail",
    "NewApplication",
    "NewMember",
    "Outcome",
    "accept_invitation",
    "apply_for_membership",
    "appoint_ambassador",
    "approve_application",
    "assess_eligibility",
    "confirm_organization_change",
    "confirm_two_factor",
    "create_member",
    "disable_two_factor",
    "end_member_session",
    "end_other_sessions",
    "end_role",
    "end_session",
    "import_applications",
    "import_members",
    "invite_advisor",
    "normalize_email",
    "note_sign_in",
    "purge_applications",
    "purge_members",
    "reconfirm_membership",
    "redeem_sign_in_link",
    "regenerate_recovery_codes",
    "reject_application",
    "request_organization_change",
    "request_reactivation_link",
    "request_sign_in_link",
    "run_daily_jobs",
    "set_password",
    "set_role",
    "start_session",
    "update_profile",
    "verify_application",
    "verify_second_factor",
]
