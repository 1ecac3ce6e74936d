"""Pixel checks of the tray icon: the grade colour, and each state."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from claude_meter.core.grades import UNKNOWN, grade_for
from claude_meter.core.meter import Indicator
from claude_meter.qt.icon import ICON_SIZES, STALE_OPACITY, render_icon, render_pixmap


def number(percent: float) -> Indicator:
    return Indicator("number", str(int(percent)), grade_for(percent), percent)


def edge_pixel(image: QImage) -> QColor:
    """A pixel inside the badge, above the text."""
    return image.pixelColor(image.width() // 2, round(image.height() * 0.1))


@pytest.mark.parametrize(
    ("percent", "rgb"), [(12, "#2e9d4f"), (64, "#d4a514"), (83, "#e8702a"), (97, "#d93a30")]
)
@pytest.mark.parametrize("ratio", [1.0, 2.0])
def test_badge_carries_the_grade_colour(
    qapp: object, percent: float, rgb: str, ratio: float
) -> None:
    pixmap = render_pixmap(number(percent), 32, device_pixel_ratio=ratio)
    image = pixmap.toImage()
    assert image.width() == round(32 * ratio)
    assert pixmap.devicePixelRatio() == ratio
    colour = edge_pixel(image)
    assert colour.name() == rgb
    assert colour.alpha() == 255
    assert image.pixelColor(0, 0).alpha() == 0  # transparent corner: a rounded badge


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


@pytest.mark.parametrize("percent", [12, 64, 83, 97])
def test_text_contrasts_with_its_badge(qapp: object, percent: float) -> None:
    image = render_pixmap(number(percent), 64).toImage()
    background = QColor(grade_for(percent).rgb)
    colours = {image.pixelColor(x, y).name() for x in range(64) for y in range(64)}
    text = {"#ffffff", "#1d1d1f"} & colours
    assert len(text) == 1, "the number is drawn in one solid text colour"
    lighter, darker = sorted((_luminance(QColor(text.pop())), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3.0  # WCAG contrast for large text


def test_stale_is_dimmed(qapp: object) -> None:
    shown = Indicator("stale", "64", grade_for(64), 64)
    colour = edge_pixel(render_pixmap(shown, 32).toImage())
    assert abs(colour.alpha() - round(255 * STALE_OPACITY)) <= 2


@pytest.mark.parametrize(
    ("kind", "text"), [("loading", "…"), ("not_signed_in", "–"), ("error", "!")]
)
def test_states_without_numbers_are_grey_not_graded(qapp: object, kind: str, text: str) -> None:
    image = render_pixmap(Indicator(kind, text, UNKNOWN), 32).toImage()  # type: ignore[arg-type]
    colours = {
        image.pixelColor(x, y).name()
        for x in range(32)
        for y in range(32)
        if image.pixelColor(x, y).alpha() > 200
    }
    assert colours
    assert not colours & {"#2e9d4f", "#d4a514", "#e8702a", "#d93a30"}


def test_error_mark_is_red_and_states_differ(qapp: object) -> None:
    images = {
        kind: render_pixmap(Indicator(kind, text, UNKNOWN), 32).toImage()  # type: ignore[arg-type]
        for kind, text in (("loading", "…"), ("not_signed_in", "–"), ("error", "!"))
    }
    assert len({bytes(img.constBits()) for img in images.values()}) == 3


def test_template_variant_is_a_black_mask(qapp: object) -> None:
    image = render_pixmap(number(83), 32, template=True).toImage()
    opaque = [
        image.pixelColor(x, y)
        for x in range(32)
        for y in range(32)
        if image.pixelColor(x, y).alpha() > 0
    ]
    assert opaque
    assert all((c.red(), c.green(), c.blue()) == (0, 0, 0) for c in opaque)
    assert render_icon(number(83), template=True).isMask()


def test_icon_has_every_tray_size(qapp: object) -> None:
    icon = render_icon(number(50))
    assert sorted({s.width() for s in icon.availableSizes()}) == sorted(ICON_SIZES)
