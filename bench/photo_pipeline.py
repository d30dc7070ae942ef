"""Benchmark of the photo pipeline (issue "Photo pipeline"): processing throughput per
core beside pyvips, and peak memory.

Not a test. Generates realistic-size inputs once into bench/.cache (12 MP JPEGs
with EXIF and GPS, 12 MP HEICs), then for each engine runs a fresh process
pinned to one core that processes every file sequentially and reports ms per
image and its peak RSS:

* ``schriftje``: ``media.processing.process`` exactly as the sandbox runs it
  (upright, sRGB, stripped; display 2048 px, large 1280 px, small 320 px WebP,
  placeholder colour);
* ``vips``: pyvips ``thumbnail_buffer`` to 2048 px (auto-rotated, sRGB), then
  ``thumbnail_image`` to 1280 and 320 px, each saved as WebP with the same
  quality and effort, metadata stripped.

Usage (results in docs/benchmarks.md; pyvips comes with `pip install pyvips pyvips-binary`):
  .venv/bin/python bench/photo_pipeline.py --jpegs 12 --heics 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"


def make_inputs(jpegs: int, heics: int) -> dict[str, list[Path]]:
    from PIL import Image, ImageDraw, ImageFilter

    from tests.media.images import planted_exif

    CACHE.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Path]] = {"jpeg": [], "heic": []}

    def photo(seed: int) -> Image.Image:
        # photo-like: smooth gradients and shapes, then sensor-like noise (compresses like a camera JPEG)
        base = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
        draw = ImageDraw.Draw(base)
        for i in range(40):
            x, y = (seed * 7919 + i * 104729) % 4032, (seed * 6151 + i * 15485863) % 3024
            draw.ellipse(
                (x, y, x + 300 + i * 13, y + 200 + i * 7), fill=((i * 37) % 255, (i * 91) % 255, (seed * 53) % 255)
            )
        base = base.filter(ImageFilter.GaussianBlur(6))
        noise = Image.effect_noise((4032, 3024), 18).convert("RGB")
        return Image.blend(base, noise, 0.12)

    for i in range(jpegs):
        path = CACHE / f"photo-{i:02d}.jpg"
        if not path.exists():
            photo(i).save(path, "JPEG", quality=92, exif=planted_exif(orientation=6 if i % 2 else 1))
        made["jpeg"].append(path)
    if heics:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    for i in range(heics):
        path = CACHE / f"photo-{i:02d}.heic"
        if not path.exists():
            photo(100 + i).save(path, "HEIF", quality=85, exif=planted_exif(orientation=6))
        made["heic"].append(path)
    return made


def run_schriftje(paths: list[Path]) -> list[float]:
    from PIL import Image

    from media.formats import register_heif
    from media.processing import process

    register_heif()
    Image.MAX_IMAGE_PIXELS = 100_000_000
    times = []
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        process(data, 100_000_000, [[]])
        times.append((time.perf_counter() - start) * 1000)
    return times


def run_vips(paths: list[Path]) -> list[float]:
    import pyvips

    times = []
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        display = pyvips.Image.thumbnail_buffer(data, 2048, export_profile="srgb").copy_memory()
        outputs = [display.webpsave_buffer(Q=80, effort=4, keep="none")]
        for size in (1280, 320):
            outputs.append(display.thumbnail_image(size).webpsave_buffer(Q=80, effort=4, keep="none"))
        times.append((time.perf_counter() - start) * 1000)
    return times


def worker(engine: str, paths: list[Path]) -> None:
    run = run_schriftje if engine == "schriftje" else run_vips
    run(paths[:1])  # warm up: imports, profiles
    times = run(paths)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "peak_mb": peak_kb / 1024}))


def measure(engine: str, paths: list[Path], core: int) -> dict[str, float]:
    command = ["taskset", "-c", str(core), sys.executable, __file__, "--worker", engine, *map(str, paths)]
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)
    times = sorted(result["times"])
    return {
        "images_per_s": 1000 * len(times) / sum(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
        "peak_rss_mb": result["peak_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jpegs", type=int, default=12)
    parser.add_argument("--heics", type=int, default=4)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--worker", choices=["schriftje", "vips"])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, [Path(p) for p in args.paths])
        return
    inputs = make_inputs(args.jpegs, args.heics)
    print("| input | engine | images/s | p50 ms | p95 ms | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for kind, paths in inputs.items():
        if not paths:
            continue
        rows = {"schriftje": measure("schriftje", paths, args.core)}
        try:
            rows["vips"] = measure("vips", paths, args.core)
        except subprocess.CalledProcessError:
            print(
                f"| {kind} x{len(paths)} | vips | cannot decode this input (pyvips-binary has no HEVC decoder) | | | |"
            )
        for engine, row in rows.items():
            print(
                f"| {kind} x{len(paths)} | {engine} | {row['images_per_s']:.2f} | {row['p50_ms']:.0f} | "
                f"{row['p95_ms']:.0f} | {row['peak_rss_mb']:.0f} |"
            )
        if "vips" in rows:
            ratio = rows["schriftje"]["images_per_s"] / rows["vips"]["images_per_s"]
            print(f"| {kind} | ratio schriftje / vips | {ratio:.2f}x | | | |")


if __name__ == "__main__":
    main()
