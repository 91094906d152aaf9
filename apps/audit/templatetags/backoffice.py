from __future__ import annotations

from django import template

from apps.audit.queues import Queue, backoffice_queue_list

register = template.Library()


@register.simple_tag
def backoffice_queues() -> list[Queue]:
    return backoffice_queue_list()
