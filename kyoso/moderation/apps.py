from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "kyoso.moderation"
    verbose_name = "モデレーション (moderation)"

    def ready(self) -> None:
        from kyoso.core import audit
        from kyoso.moderation.actions import write_audit_entry

        # The audit log lives here; every app records into it through the kernel's hook.
        audit.set_writer(write_audit_entry)
