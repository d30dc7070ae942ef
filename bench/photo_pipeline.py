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

    # no metadata: "keep" since libvips 8.15, "strip" before (Debian 12's 8.14)
    bare = {"keep": "none"} if pyvips.at_least_libvips(8, 15) else {"strip": True}
    times = []
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        display = pyvips.Image.thumbnail_buffer(data, 2048, export_profile="srgb").copy_memory()
        outputs = [display.webpsave_buffer(Q=80, effort=4, **bare)]
        for size in (1280, 320):
            outputs.append(display.thumbnail_image(size).webpsave_buffer(Q=80, effort=4, **bare))
        times.append((time.perf_counter() - start) * 1000)
    return times


def worker(engine: str, paths: list[Path]) -> None:
    run = run_schriftje if engine == "schriftje" else run_vips
    run(paths[:1])  # warm up: imports, profiles
    times = run(paths)
    print(json.dumps({"times": times, "peak_mb": peak_rss_kb() / 1024}))


def peak_rss_kb() -> int:
    """This process's own peak RSS. ``VmHWM`` starts afresh at exec; ``ru_maxrss`` does not
    (Linux carries it over from the parent, which inflated earlier readings after input generation)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(engine: str, paths: list[Path], core: int, vips_python: str | None = None) -> dict[str, float]:
    python = vips_python if engine == "vips" and vips_python else sys.executable
    command = ["taskset", "-c", str(core), python, __file__, "--worker", engine, *map(str, paths)]
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
    parser.add_argument("--rounds", type=int, default=5, help="rounds, engines alternating; ratio per round")
    parser.add_argument(
        "--vips-python",
        help="the interpreter for the pyvips worker, e.g. a venv with pyvips over Debian's libvips42 (HEIC decoding)",
    )
    parser.add_argument("--worker", choices=["schriftje", "vips"])
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, [Path(p) for p in args.paths])
        return
    inputs = make_inputs(args.jpegs, args.heics)
    print("| input | engine | images/s (median of rounds) | p50 ms | p95 ms | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for kind, paths in inputs.items():
        if not paths:
            continue
        runs: dict[str, list[dict[str, float]]] = {"schriftje": [], "vips": []}
        vips_ok = True
        for round_no in range(args.rounds):
            order = ["schriftje", "vips"] if round_no % 2 == 0 else ["vips", "schriftje"]
            for engine in order:
                if engine == "vips" and not vips_ok:
                    continue
                try:
                    runs[engine].append(measure(engine, paths, args.core, args.vips_python))
                except subprocess.CalledProcessError:
                    vips_ok = False
        if not vips_ok:
            print(
                f"| {kind} x{len(paths)} | vips | cannot decode this input (pyvips-binary has no HEVC decoder) | | | |"
            )
        for engine, rows in runs.items():
            if not rows:
                continue
            print(
                f"| {kind} x{len(paths)} | {engine} | {statistics.median(r['images_per_s'] for r in rows):.2f} | "
                f"{statistics.median(r['p50_ms'] for r in rows):.0f} | "
                f"{statistics.median(r['p95_ms'] for r in rows):.0f} | {max(r['peak_rss_mb'] for r in rows):.0f} |"
            )
        if vips_ok and runs["vips"]:
            ratios = sorted(
                a["images_per_s"] / b["images_per_s"] for a, b in zip(runs["schriftje"], runs["vips"], strict=True)
            )
            print(
                f"| {kind} | ratio schriftje / vips per round | median {statistics.median(ratios):.2f}x "
                f"(min {ratios[0]:.2f}x, max {ratios[-1]:.2f}x, {len(ratios)} rounds) | | | |"
            )


if __name__ == "__main__":
    main()
