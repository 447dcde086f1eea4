"""The world tree: what each registry and client holds after the steps done so far."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from regsim.model.sim.world import World
from regsim.tui.views.world import WorldNode, world_nodes

KINDS = (
    "heading",
    "registry",
    "repository",
    "tag",
    "layer",
    "client",
    "image",
    "reference",
    "size",
    "note",
    "shared",
)


class WorldTree(Tree[str]):
    COMPONENT_CLASSES: ClassVar[set[str]] = Tree.COMPONENT_CLASSES | {
        f"world-tree--{k}" for k in KINDS
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("World", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 3  # narrower guides: the layer lines, four levels down, keep their marks
        self._world_nodes: list[WorldNode] = []

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._fill)
        )

    def show(self, world: World) -> None:
        nodes = world_nodes(world)
        if nodes == self._world_nodes and self.root.children:
            return  # most steps leave the world as it was; rebuilding the tree costs a frame
        self._world_nodes = nodes
        self._fill()

    def _fill(self) -> None:
        self.clear()
        for node in self._world_nodes:
            self._add(self.root, node)
        self.root.expand_all()

    def _add(self, parent: TreeNode[str], node: WorldNode) -> None:
        label = self._label(node)
        if node.children:
            branch = parent.add(label, data=node.kind, expand=True)
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(label, data=node.kind)

    def _label(self, node: WorldNode) -> Text:
        text = Text(node.label, style=self._style(node.kind))
        if node.size:
            text.append(f"  {node.size}", style=self._style("size"))
        if node.note:
            text.append(
                f"  {node.note}", style=self._style("shared" if node.shared_by > 1 else "note")
            )
        return text

    def _style(self, kind: str) -> Style:
        return self.get_component_rich_style(f"world-tree--{kind}", partial=True, default=Style())
