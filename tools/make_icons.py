"""Draws the installable app's icons (the favicon's S on the accent colour) at the sizes
browsers ask for: 192 and 512 (purpose "any"), 512 maskable (the S inside the safe
zone, the colour to the edge), 180 for iOS's home screen. Run once after changing the
design: ``.venv/bin/python tools/make_icons.py``; the PNGs are committed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "portal" / "static" / "icons"
ACCENT = (0x1D, 0x6F, 0x5F)
# the favicon's path (32-unit box): M9 22 c3 2 11 2 13-2 s-11-5-9-10 c2-4 9-3 11-1
SEGMENTS = [
    ((9, 22), (12, 24), (20, 24), (22, 20)),
    ((22, 20), (24, 16), (11, 15), (13, 10)),
    ((13, 10), (15, 6), (22, 7), (24, 9)),
]


def _curve(points: tuple[tuple[float, float], ...], steps: int = 40) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    out = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
        out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def icon(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable or not rounded:
        draw.rectangle((0, 0, big, big), fill=ACCENT)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 // 32, fill=ACCENT)
    inset = 0.2 if maskable else 0.0  # maskable: keep the S inside the 80 % safe zone
    unit = big * (1 - 2 * inset) / 32
    offset = big * inset
    width = int(3 * unit)
    for segment in SEGMENTS:
        for x, y in ((offset + x * unit, offset + y * unit) for x, y in _curve(segment, steps=400)):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill="white")  # a round brush
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    icon(192).save(OUT / "icon-192.png", optimize=True)
    icon(512).save(OUT / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180, rounded=False).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)
    icon(96, maskable=True).save(OUT / "badge-96.png", optimize=True)


if __name__ == "__main__":
    main()
