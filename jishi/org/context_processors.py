"""What the page frame needs to know about the reader: which menu entries to offer."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from jishi.org.rules import can_import, reader_for


def roles(request: HttpRequest) -> dict[str, Any]:
    def menu() -> dict[str, bool]:
        reader = reader_for(getattr(request, "user", None))
        return {"admin": reader.is_administrator, "imports": can_import(request.user)}

    return {"menu": SimpleLazyObject(menu)}
