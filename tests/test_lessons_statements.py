"""Statements the course once got wrong, pinned to what the real systems document."""

from __future__ import annotations

from pathlib import Path

from regsim.bundled import content_dir
from regsim.lessons.loader import load_lessons

LESSONS = load_lessons([content_dir("lessons")])


def _text(lesson_id: str) -> str:
    lesson = LESSONS.get(lesson_id)
    assert lesson is not None
    parts = [lesson.intro, *(page.markdown for page in lesson.pages)]
    for question in lesson.questions:
        parts += [question.explain or "", question.feedback or "", *(c.feedback or "" for c in question.choices)]
        parts += [c.text for c in question.choices]
    return " ".join(" ".join(parts).split())


def test_registry_logins_can_expire() -> None:
    """Amazon ECR's docker login password is a token valid for 12 hours:
    https://docs.aws.amazon.com/cli/latest/reference/ecr/get-login-password.html"""
    text = _text("pitfall-pull-without-login")
    assert "Amazon ECR" in text and "12 hours" in text
    assert "the stored login is not" not in text


def test_registries_hold_oci_artifacts_not_only_images() -> None:
    """Helm charts are pushed to OCI registries (https://helm.sh/docs/topics/registries/), and signatures
    and SBOMs are OCI artifacts (opencontainers/image-spec manifest.md, "Guidelines for Artifact Usage")."""
    for lesson_id in ("when-not-to-use-a-registry", "key-takeaways"):
        text = _text(lesson_id)
        assert "Registries are for container images." not in text
        assert "Helm chart" in text and "SBOM" in text, lesson_id


def test_base_layers_come_from_the_from_line() -> None:
    """A build does not make the base's layers; they are the image FROM names
    (https://docs.docker.com/reference/dockerfile/#from)."""
    text = _text("layers-travel-once")
    assert "`FROM` line" in text
    assert "because the instructions that made them had not changed" not in text


def test_a_newer_base_changes_only_the_layers_it_changed() -> None:
    text = _text("pitfall-full-download")
    assert "its base layers would carry different digests, and all of them would have come down" not in text
    assert "the base layers that release changed would carry new digests" in text


def test_the_image_id_is_a_short_config_digest() -> None:
    """docker images shows IMAGE ID, the config digest cut to 12 hex digits (docker CLI
    cli/command/formatter/image.go: ID() uses stringid.TruncateID)."""
    text = _text("what-is-an-image")
    assert "first 12 hex digits of the config's digest" in text
    assert "down to the last character" not in text


def test_no_lesson_file_is_left_out() -> None:
    assert len(LESSONS) == len([p for p in Path(content_dir("lessons")).glob("*.md") if p.name != "README.md"])


def test_every_bundled_scenario_is_taught_by_a_lesson() -> None:
    scenarios = {p.stem for p in Path(content_dir("scenarios")).glob("*.yaml")}
    assert scenarios - {lesson.scenario for lesson in LESSONS.lessons} == set()
