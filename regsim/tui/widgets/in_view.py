"""Whether a widget is on screen, for the rule that nothing has the focus unless the learner
can see it (a highlight moved, or Enter pressed, out of sight answers a question unseen)."""

from __future__ import annotations

from typing import Any

from textual.containers import ScrollableContainer
from textual.errors import NoWidget
from textual.screen import Screen
from textual.widget import Widget


def in_view(widget: Widget) -> bool:
    """True when `widget` is shown and lies inside the visible part of the page that scrolls
    it: whole when it fits, else filling that part. Measured from the layout and the page's
    scroll offset, so it holds the moment a scroll is made, before the screen is redrawn."""
    if not widget.is_mounted or not all(node.display for node in (widget, *widget.ancestors)
                                        if isinstance(node, Widget)):
        return False
    page = next(
        (node for node in widget.ancestors if isinstance(node, ScrollableContainer)), None
    )
    if page is None:
        try:
            geometry = widget.screen.find_widget(widget)
        except NoWidget:
            return False
        return bool(geometry.region.intersection(geometry.clip))
    top = widget.virtual_region.y
    node = widget.parent
    while isinstance(node, Widget) and node is not page:
        top += node.virtual_region.y + node.gutter.top
        node = node.parent
    height = widget.outer_size.height
    window = page.scrollable_content_region.height
    start, end = max(top, round(page.scroll_y)), min(top + height, round(page.scroll_y) + window)
    return end - start >= min(height, window) > 0


def keep_focus_in_view(screen: Screen[Any], page: ScrollableContainer) -> None:
    """Whenever `page` scrolls (keys, the mouse wheel), a widget in it that has the focus but
    has scrolled out of sight gives the focus to the page, so no key acts on what is not seen.
    (A scroll still under way, such as one bringing a newly focused widget into view, is let
    finish first.)"""

    def check() -> None:
        focused = screen.focused
        if focused is None or page not in focused.ancestors:
            return
        if screen.app.animator.is_being_animated(page, "scroll_y"):
            return
        if not in_view(focused):
            screen.set_focus(page, scroll_visible=False)

    def scrolled() -> None:
        screen.call_after_refresh(check)

    screen.watch(page, "scroll_y", scrolled, init=False)
