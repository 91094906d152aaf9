from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from apps.core.metrics import JOBS_RUN

        def count_job(sender: Any = None, state: str | None = None, **kwargs: Any) -> None:
            JOBS_RUN.labels(task=getattr(sender, "name", "unknown"), outcome=(state or "unknown").lower()).inc()

        task_postrun.connect(count_job, weak=False)

        from django.contrib.auth.signals import user_login_failed

        from apps.core.metrics import LOGIN_FAILURES

        def count_login_failure(**kwargs: Any) -> None:
            LOGIN_FAILURES.inc()

        user_login_failed.connect(count_login_failure, weak=False)

        from django.db.backends.signals import connection_created

        from apps.core.timestamps import fast_timestamps_install

        connection_created.connect(fast_timestamps_install, dispatch_uid="fast-timestamps")
