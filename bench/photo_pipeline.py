"""Benchmark of the photo pipeline (issues "Photo pipeline" and 24): processing
throughput per core beside libvips, the output's sharpness, and peak memory.

Not a test. Generates realistic-size inputs once into bench/.cache (12 MP JPEGs
with EXIF and GPS, half of them with an embedded ICC profile; 12 MP HEICs; PNGs),
then for each engine runs a fresh process pinned to one core that processes every
file in turn and reports ms per image and its peak RSS, in rounds with the engines
in turn (the ratio per round is what compares on a noisy machine):

* ``schriftje``: ``media.processing.process`` exactly as the sandbox runs it
  (upright, sRGB, stripped; display 2048 px, large 1280 px, small 320 px WebP,
  placeholder colour);
* ``vips-pypi`` / ``vips-debian``: pyvips over PyPI's libvips (``pyvips-binary``)
  or over Debian's ``libvips42``, each in its own interpreter (``make bench-vips``
  makes both), called the way Schriftje behaves: ``thumbnail_buffer`` to 2048 px
  (auto-rotated), converted to sRGB only when the file has an ICC profile (as
  Schriftje; an unconditional ``export_profile="srgb"`` makes libvips do an
  identity conversion Schriftje never does), then ``thumbnail_image`` to 1280 and
  320 px, each saved as WebP with the same quality and effort, no metadata.

Sharpness: each engine's 2048 and 1280 px outputs of every file are compared (SSIM
of the luma, 7 x 7 windows) with the same photo resized by Pillow's Lanczos from the
full decode, upright and in sRGB; the ``lanczos`` row is that reference resize
encoded as Schriftje encodes (what "Lanczos sharpness" means after WebP).

Usage (results in docs/benchmarks.md):
  make bench-vips          # the two libvips interpreters, in bench/.venvs
  .venv/bin/python bench/photo_pipeline.py --jpegs 8 --heics 3 --pngs 2 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
VENVS = ROOT / "bench" / ".venvs"
PEERS = {"vips-pypi": VENVS / "vips-pypi" / "bin" / "python", "vips-debian": VENVS / "vips-debian" / "bin" / "python"}
SSIM_SIZES = ("2048", "1280")


def make_inputs(jpegs: int, heics: int, pngs: int) -> dict[str, list[Path]]:
    from PIL import Image, ImageCms, ImageDraw, ImageFilter

    from tests.media.images import planted_exif

    CACHE.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Path]] = {"jpeg": [], "jpeg+icc": [], "heic": [], "png": []}
    srgb_icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()

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
        # and the fine detail a camera keeps (hair, fabric, grass, print): without it every
        # resampler looks alike and the sharpness column says nothing
        draw = ImageDraw.Draw(base)
        for i in range(1500):
            x, y = (seed * 31 + i * 7907) % 4032, (seed * 17 + i * 3571) % 3024
            shade = (i * 53) % 255
            draw.line(
                (x, y, x + (i % 97) - 48, y + 60 + i % 40),
                fill=(shade, 255 - shade, (shade * 3) % 255),
                width=1 + i % 2,
            )
        for i in range(12):
            x, y = (seed * 1223 + i * 331) % 3700, (seed * 977 + i * 619) % 2700
            for k in range(0, 300, 4):  # a fine stripe pattern (a knitted jumper, a fence)
                draw.line((x + k, y, x + k, y + 300), fill=(20, 20, 20), width=2)
        noise = Image.effect_noise((4032, 3024), 18).convert("RGB")
        return Image.blend(base, noise, 0.12)

    for i in range(jpegs):
        path = CACHE / f"detail-{i:02d}.jpg"
        if not path.exists():
            photo(i).save(path, "JPEG", quality=92, exif=planted_exif(orientation=6 if i % 2 else 1))
        made["jpeg"].append(path)
    for i in range(jpegs):
        path = CACHE / f"detail-icc-{i:02d}.jpg"
        if not path.exists():
            exif = planted_exif(orientation=6 if i % 2 else 1)
            photo(50 + i).save(path, "JPEG", quality=92, exif=exif, icc_profile=srgb_icc)
        made["jpeg+icc"].append(path)
    for i in range(pngs):
        path = CACHE / f"detail-{i:02d}.png"
        if not path.exists():
            photo(200 + i).save(path, "PNG", compress_level=6)
        made["png"].append(path)
    if heics:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    for i in range(heics):
        path = CACHE / f"detail-{i:02d}.heic"
        if not path.exists():
            photo(100 + i).save(path, "HEIF", quality=85, exif=planted_exif(orientation=6))
        made["heic"].append(path)
    return made


def run_schriftje(paths: list[Path], out: Path | None) -> list[float]:
    from PIL import Image

    from media.formats import register_heif
    from media.processing import process
    from media.resample import tune_process

    register_heif()
    tune_process()  # as the sandbox's child
    Image.MAX_IMAGE_PIXELS = 100_000_000
    times = []
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        processed = process(data, 100_000_000, [[]])
        times.append((time.perf_counter() - start) * 1000)
        if out is not None:
            files = processed.renditions[0].files
            (out / f"{path.name}-2048.webp").write_bytes(files["display"])
            (out / f"{path.name}-1280.webp").write_bytes(files["large"])
    return times


def run_vips(paths: list[Path], out: Path | None) -> list[float]:
    import pyvips

    # no metadata: "keep" since libvips 8.15, "strip" before (Debian 12's 8.14)
    bare = {"keep": "none"} if pyvips.at_least_libvips(8, 15) else {"strip": True}
    times = []
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        # as Schriftje: a colour conversion only when the file carries a profile
        has_profile = pyvips.Image.new_from_buffer(data, "").get_typeof("icc-profile-data") != 0
        convert = {"export_profile": "srgb"} if has_profile else {}
        display = pyvips.Image.thumbnail_buffer(data, 2048, **convert).copy_memory()
        outputs = [display.webpsave_buffer(Q=80, effort=4, **bare)]
        for size in (1280, 320):
            outputs.append(display.thumbnail_image(size).webpsave_buffer(Q=80, effort=4, **bare))
        times.append((time.perf_counter() - start) * 1000)
        if out is not None:
            (out / f"{path.name}-2048.webp").write_bytes(outputs[0])
            (out / f"{path.name}-1280.webp").write_bytes(outputs[1])
    return times


def worker(engine: str, paths: list[Path], out: Path | None) -> None:
    run = run_schriftje if engine == "schriftje" else run_vips
    run(paths[:1], None)  # warm up: imports, profiles
    times = run(paths, out)
    print(json.dumps({"times": times, "peak_mb": peak_rss_kb() / 1024}))


def peak_rss_kb() -> int:
    """This process's own peak RSS. ``VmHWM`` starts afresh at exec; ``ru_maxrss`` does not
    (Linux carries it over from the parent, which inflated earlier readings after input generation)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(engine: str, paths: list[Path], core: int, out: Path | None) -> dict[str, float]:
    python = str(PEERS[engine]) if engine in PEERS else sys.executable
    command = ["taskset", "-c", str(core), python, __file__, "--worker", engine]
    command += ["--out", str(out)] if out is not None else []
    command += [str(p) for p in paths]
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout)
    times = sorted(result["times"])
    return {
        "images_per_s": 1000 * len(times) / sum(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))],
        "peak_rss_mb": result["peak_mb"],
    }


def ssim(a: Any, b: Any) -> float:
    """Mean SSIM of two luma arrays (7 x 7 uniform windows, K1 0.01, K2 0.03, as scikit-image's default)."""
    import numpy as np

    def mean7(x: Any) -> Any:
        c = np.cumsum(np.cumsum(np.pad(x, ((1, 0), (1, 0))), axis=0), axis=1)
        return (c[7:, 7:] - c[:-7, 7:] - c[7:, :-7] + c[:-7, :-7]) / 49.0

    a, b = a.astype(np.float64), b.astype(np.float64)
    mu_a, mu_b = mean7(a), mean7(b)
    n = 49
    var_a = (mean7(a * a) - mu_a**2) * n / (n - 1)
    var_b = (mean7(b * b) - mu_b**2) * n / (n - 1)
    cov = (mean7(a * b) - mu_a * mu_b) * n / (n - 1)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(s.mean())


def upright_srgb(path: Path) -> Any:
    """The source at full size, upright and in sRGB: what every engine should be showing."""
    import io

    from PIL import Image, ImageCms, ImageOps

    from media.formats import register_heif

    register_heif()
    Image.MAX_IMAGE_PIXELS = 100_000_000
    image = Image.open(io.BytesIO(path.read_bytes()))
    icc = image.info.get("icc_profile")
    image = image.convert("RGB") if path.suffix == ".heic" else ImageOps.exif_transpose(image.convert("RGB"))
    if icc:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        image = ImageCms.profileToProfile(image, source, srgb, renderingIntent=0, outputMode="RGB")
    return image


def sharpness(paths: list[Path], outs: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Mean SSIM per engine and size against the Lanczos resize of the full decode; and
    the ``lanczos`` row: that resize encoded as Schriftje encodes."""
    import io

    import numpy as np
    from PIL import Image

    from media.processing import WEBP_METHOD, WEBP_QUALITY

    scores: dict[str, dict[str, list[float]]] = {}
    for path in paths:
        source = upright_srgb(path)
        for engine, out in [*outs.items(), ("lanczos", None)]:
            for size in SSIM_SIZES:
                if out is None:
                    # the reference's own size: as Schriftje's (both round the same way)
                    shown = Image.open(outs["schriftje"] / f"{path.name}-{size}.webp")
                    ref = source.resize(shown.size, Image.Resampling.LANCZOS)
                    buffer = io.BytesIO()
                    ref.save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
                    shown = Image.open(buffer)
                else:
                    shown = Image.open(out / f"{path.name}-{size}.webp")
                    ref = source.resize(shown.size, Image.Resampling.LANCZOS)
                luma = np.asarray(shown.convert("RGB").convert("L"))
                scores.setdefault(engine, {}).setdefault(size, []).append(ssim(luma, np.asarray(ref.convert("L"))))
    return {engine: {size: statistics.mean(v) for size, v in by_size.items()} for engine, by_size in scores.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpegs", type=int, default=8, help="JPEGs without and as many with an ICC profile")
    parser.add_argument("--heics", type=int, default=3)
    parser.add_argument("--pngs", type=int, default=2)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=5, help="rounds, engines in turn; ratio per round")
    parser.add_argument(
        "--engines",
        type=lambda s: [x for x in s.split(",") if x],
        default=["schriftje", "vips-pypi", "vips-debian"],
        help="schriftje and the libvips peers (each needs its interpreter: make bench-vips)",
    )
    parser.add_argument("--worker", choices=["schriftje", *PEERS])
    parser.add_argument("--out", type=Path, help="(worker) where to leave the 2048 and 1280 px outputs")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, [Path(p) for p in args.paths], args.out)
        return
    for engine in args.engines:
        if engine in PEERS and not PEERS[engine].exists():
            parser.error(f"{engine}: {PEERS[engine]} is missing; run make bench-vips")
    inputs = make_inputs(args.jpegs, args.heics, args.pngs)
    print("| input | engine | images/s (median of rounds) | p50 ms | p95 ms | peak RSS MB | SSIM 2048 | SSIM 1280 |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for kind, paths in inputs.items():
            if not paths:
                continue
            runs: dict[str, list[dict[str, float]]] = {engine: [] for engine in args.engines}
            failed: set[str] = set()
            outs: dict[str, Path] = {}
            for round_no in range(args.rounds):
                order = args.engines[round_no % len(args.engines) :] + args.engines[: round_no % len(args.engines)]
                for engine in order:
                    if engine in failed:
                        continue
                    out = None
                    if round_no == 0:  # the outputs of one round are enough for the sharpness
                        out = outs[engine] = Path(scratch) / kind.replace("+", "-") / engine
                        out.mkdir(parents=True)
                    try:
                        runs[engine].append(measure(engine, paths, args.core, out))
                    except subprocess.CalledProcessError:
                        failed.add(engine)
                        outs.pop(engine, None)
            scores = sharpness(paths, outs) if "schriftje" in outs else {}
            for engine in [*args.engines, "lanczos"]:
                score = scores.get(engine, {})
                ssims = " | ".join(f"{score[size]:.4f}" if size in score else "" for size in SSIM_SIZES)
                if engine == "lanczos":
                    if score:
                        print(f"| {kind} x{len(paths)} | Lanczos reference, encoded as Schriftje | | | | | {ssims} |")
                    continue
                if engine in failed:
                    print(f"| {kind} x{len(paths)} | {engine} | cannot decode this input | | | | | |")
                    continue
                rows = runs[engine]
                print(
                    f"| {kind} x{len(paths)} | {engine} | {statistics.median(r['images_per_s'] for r in rows):.2f} | "
                    f"{statistics.median(r['p50_ms'] for r in rows):.0f} | "
                    f"{statistics.median(r['p95_ms'] for r in rows):.0f} | "
                    f"{max(r['peak_rss_mb'] for r in rows):.0f} | {ssims} |"
                )
            for peer in args.engines:
                if peer == "schriftje" or peer in failed or "schriftje" in failed or not runs["schriftje"]:
                    continue
                ratios = sorted(
                    a["images_per_s"] / b["images_per_s"] for a, b in zip(runs["schriftje"], runs[peer], strict=True)
                )
                print(
                    f"| {kind} | schriftje / {peer} per round | median {statistics.median(ratios):.2f}x "
                    f"(min {ratios[0]:.2f}x, max {ratios[-1]:.2f}x, {len(ratios)} rounds) | | | | | |"
                )


if __name__ == "__main__":
    main()
