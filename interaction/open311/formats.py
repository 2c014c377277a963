"""Open311 GeoReport v2 wire formats: the same data as JSON or XML, and the error shape.

XML follows the specification's examples: a root element (``services``, ``service_requests``,
``service_definition``, ``errors``), one child per item (``service``, ``request``, ``error``),
lists inside an item as a plural element holding singular ones (``attributes``/``attribute``,
``values``/``value``). None is an empty element, booleans are ``true``/``false``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
SINGULAR = {"attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, data: dict[str, Any]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                sub = ET.SubElement(child, SINGULAR.get(key, key.rstrip("s")))
                if isinstance(item, dict):
                    _fill(sub, item)
                else:
                    sub.text = _text(item)
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, data: Any) -> bytes:
    top = ET.Element(root)
    if item is None:
        _fill(top, data)
    else:
        for row in data:
            _fill(ET.SubElement(top, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")


def respond(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    """`data` (a list of items, or one object when `item` is None) as JSON or XML."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, item, data), content_type=XML_TYPE, status=status)
    body = json.dumps(data, ensure_ascii=False, default=str)
    return HttpResponse(body, content_type=JSON_TYPE, status=status)


def error_response(fmt: str, status: int, *descriptions: Any) -> HttpResponse:
    """The specification's error shape: [{"code": 404, "description": "..."}] or
    <errors><error><code>404</code><description>...</description></error></errors>."""
    rows = [{"code": status, "description": str(d)} for d in descriptions]
    return respond(fmt, rows, root="errors", item="error", status=status)
