"""Two kinds of pagination, chosen per request with `?pagination=page` (default) or `cursor`.

Both answer `{"next": URL, "previous": URL, "results": [...]}` and send the same links in an
RFC 8288 `Link` header; page-number pages add `count`, and first/last links.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from prodev.stayhub.api.settings import MAX_PAGE_SIZE, PAGE_SIZE


def link_header(links: dict[str, str | None]) -> str:
    """`<url>; rel="next", <url>; rel="prev"` for the links that exist."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)


class PageNumberWithLinks(PageNumberPagination):
    """`?page=N&page_size=M`; the body has count, next, previous and results."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        url = self.request.build_absolute_uri()
        last = self.page.paginator.num_pages
        response["Link"] = link_header(
            {
                "next": self.get_next_link(),
                "prev": self.get_previous_link(),
                "first": remove_query_param(url, self.page_query_param),
                "last": replace_query_param(url, self.page_query_param, last),
            }
        )
        response["X-Total-Count"] = str(self.page.paginator.count)
        return response


class CursorWithLinks(CursorPagination):
    """`?pagination=cursor&cursor=...`: opaque cursors that stay correct while rows are added."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response["Link"] = link_header(
            {"next": self.get_next_link(), "prev": self.get_previous_link()}
        )
        return response


def paginator_for(
    query_params: Any, default_ordering: str
) -> PageNumberPagination | CursorPagination:
    """The paginator a request asks for with `?pagination=`."""
    mode = query_params.get("pagination", "page")
    if mode == "page":
        return PageNumberWithLinks()
    if mode == "cursor":
        paginator = CursorWithLinks()
        paginator.ordering = default_ordering
        return paginator
    raise ValidationError({"pagination": [f"must be 'page' or 'cursor', got {mode!r}"]})
