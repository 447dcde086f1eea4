"""The sections of a scenario that describe image content: layers (name: size) and images (recipes of
layers, built on a base, or one per platform)."""

from __future__ import annotations

from typing import Any

from regsim.model.oci.descriptor import Platform
from regsim.scenario.checker import Checker
from regsim.scenario.problems import Path, did_you_mean
from regsim.units import UnitError, parse_size


def read_layers(check: Checker, value: Any) -> tuple[dict[str, int], bool]:
    """Each layer's size in bytes, and whether the file writes sizes in binary units (MiB)."""
    layers: dict[str, int] = {}
    for name, size in check.mapping(value, ("layers",), "layers").items():
        try:
            layers[str(name)] = parse_size(size)
        except UnitError as error:
            check.add(("layers", name), str(error))
            layers[str(name)] = 0   # still a known layer: one problem, not one per image using it
    binary = isinstance(value, dict) and any(isinstance(s, str) and "iB" in s for s in value.values())
    return layers, binary


def read_images(check: Checker, value: Any, layers: dict[str, int]) -> dict[str, Any]:
    raw = check.mapping(value, ("images",), "images")
    images: dict[str, Any] = {}

    def layer_list(items: Any, path: Path) -> list[tuple[str, int]]:
        result = []
        for j, layer in enumerate(check.sequence(items, path, "the layers")):
            if str(layer) not in layers:
                check.add((*path, j), f"unknown layer {layer!r}{did_you_mean(str(layer), layers)}")
            else:
                result.append((str(layer), layers[str(layer)]))
        return result

    def resolve(name: str, trail: tuple[str, ...]) -> Any:
        if name in images:
            return images[name]
        item = raw.get(name)
        path: Path = ("images", name)
        if isinstance(item, list):
            images[name] = layer_list(item, path)
        elif isinstance(item, dict) and "platforms" in item:
            check.keys(item, ("platforms",), path, "a multi-platform image")
            platforms = {}
            for platform, items in check.mapping(item["platforms"], (*path, "platforms"), "platforms").items():
                try:
                    Platform.parse(str(platform))
                except ValueError as error:
                    check.add((*path, "platforms", platform), str(error), key=True)
                    continue
                platforms[str(platform)] = layer_list(items, (*path, "platforms", platform))
            images[name] = platforms
        elif isinstance(item, dict):
            check.keys(item, ("base", "layers"), path, "an image")
            base = item.get("base")
            below: list[tuple[str, int]] = []
            if base is not None:
                if not isinstance(base, str):
                    check.add((*path, "base"), "base names another image under images:")
                elif base not in raw:
                    check.add((*path, "base"), f"unknown base image {base!r}{did_you_mean(str(base), raw)}")
                elif base in trail:
                    check.add((*path, "base"), f"{name!r} is built on itself (through {' -> '.join(trail)})")
                else:
                    found = resolve(str(base), (*trail, name))
                    if isinstance(found, list):
                        below = found
                    else:
                        check.add((*path, "base"), "a base must be a single-platform image")
            images[name] = below + layer_list(item.get("layers"), (*path, "layers"))
        else:
            check.add(path, "an image is a list of layers, {base: IMAGE, layers: [...]}, or {platforms: {...}}")
            images[name] = []
        return images[name]

    for name in raw:
        resolve(str(name), ())
    return images
