"""Benchmark: transcoding a clip, Schriftje (PyAV in the sandbox's code path) against the
``ffmpeg`` command line doing the same job with the same settings, in one run, each
pinned to one core (issue "Video clips from the tablet").

Inputs (made once with PyAV into bench/.cache): a 30 s 1080p60 HEVC ``.mov`` with
Apple's metadata keys (an iPhone's default), and a 30 s 4K30 H.264 ``.mp4``.

The job, both sides: decode the one video track and the first audio track, apply the
rotation, scale (bicubic) to 720 and 360 on the long edge (the 360 from the 720
pictures), encode each as H.264 High (x264 ``veryfast``, CRF 23 / 28, a keyframe every
2 s) + AAC-LC 96 kb/s in MP4 with ``faststart``, no metadata (``-map_metadata -1``,
``bitexact``). Schriftje also makes its poster's three WebP derivatives. How the peer
is called (one process, one decode, two outputs):

    taskset -c <core> ffmpeg -v error -y -i IN -filter_complex
      "[0:v]scale=W1:H1:flags=bicubic,format=yuv420p,split=2[v1][t];
       [t]scale=W2:H2:flags=bicubic,format=yuv420p[v2]"
      -map [v1] -map 0:a:0? -c:v libx264 -preset veryfast -profile:v high -g G -c:a aac
      -crf 23 -b:a 96k -ar 48000 -ac 2 -movflags +faststart -map_metadata -1
      -fflags +bitexact -flags:v +bitexact 720.mp4
      -map [v2] ... -crf 28 -b:a 96k ... 360.mp4

and again with both sizes scaled from the source (``split`` first); the ratio is
against the faster of the two.

Each side runs in a fresh process (``os.wait4`` gives its CPU time and peak RSS). The
ratio is the peer's wall time over ours (above 1.0: we are faster). ``--latency``
also measures the whole path on the embedded stack pinned to the same core: the
upload's response to the parent's ``photo.shared`` event for the 30 s HEVC clip.

Usage:  .venv/bin/python bench/video.py [--core 1] [--rounds 2] [--latency]
(``make bench-video`` installs Debian's ffmpeg first when it is missing.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
SECONDS = 30.0

INPUTS = {
    "1080p60-hevc.mov": {"width": 1920, "height": 1080, "fps": 60, "codec": "hevc", "phone": "iphone"},
    "4k30-h264.mp4": {"width": 3840, "height": 2160, "fps": 30, "codec": "h264", "phone": "android"},
}

OURS = """
import sys
from media.clip_types import ClipLimits
from media.video import transcode
transcode(sys.argv[1], sys.argv[2], ClipLimits(max_seconds=600))
"""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float
    out_bytes: int


def make_inputs() -> dict[str, Path]:
    from tests.media import clips

    CACHE.mkdir(exist_ok=True)
    made = {}
    for name, shape in INPUTS.items():
        path = CACHE / f"video-{name}"
        if not path.exists():
            print(f"making {path.name} (once)...", flush=True)
            clips.make_clip(path, seconds=SECONDS, preset="ultrafast", **shape)  # type: ignore[arg-type]
        made[name] = path
    return made


def measure(command: list[str], out: Path) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command[:3]} failed with {status}")
    size = sum(p.stat().st_size for p in out.glob("*.mp4"))
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, size)


def ffmpeg_command(
    source: Path, out: Path, width: int, height: int, fps: int, core: int, chained: bool = True
) -> list[str]:
    def fit(longest: int) -> tuple[int, int]:
        scale = min(1.0, longest / max(width, height))
        return round(width * scale / 2) * 2, round(height * scale / 2) * 2

    (w1, h1), (w2, h2) = fit(720), fit(360)
    gop = str(fps * 2)
    if chained:  # what Schriftje does: scale the source once, the small one from the 720p pictures
        graph = (
            f"[0:v]scale={w1}:{h1}:flags=bicubic,format=yuv420p,split=2[v1][t];"
            f"[t]scale={w2}:{h2}:flags=bicubic,format=yuv420p[v2]"
        )
    else:
        graph = (
            f"[0:v]split=2[a][b];[a]scale={w1}:{h1}:flags=bicubic,format=yuv420p[v1];"
            f"[b]scale={w2}:{h2}:flags=bicubic,format=yuv420p[v2]"
        )
    common = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-g", gop, "-c:a", "aac"]
    tail = ["-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-map_metadata", "-1"]
    tail += ["-fflags", "+bitexact", "-flags:v", "+bitexact"]
    return [
        *["taskset", "-c", str(core), "ffmpeg", "-v", "error", "-y", "-i", str(source), "-filter_complex", graph],
        *["-map", "[v1]", "-map", "0:a:0?", *common, "-crf", "23", "-b:a", "96k", *tail, str(out / "720.mp4")],
        *["-map", "[v2]", "-map", "0:a:0?", *common, "-crf", "28", "-b:a", "96k", *tail, str(out / "360.mp4")],
    ]


def versions() -> str:
    import av

    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    return f"PyAV {av.__version__} (libavcodec {'.'.join(map(str, av.library_versions['libavcodec']))}); {ffmpeg}"


def compare(core: int, rounds: int) -> list[dict[str, object]]:
    if shutil.which("ffmpeg") is None:
        raise SystemExit("Debian's ffmpeg is the peer: `make bench-video` installs it")
    rows = []
    for name, source in make_inputs().items():
        shape = INPUTS[name]
        results: dict[str, list[Run]] = {"schriftje": [], "ffmpeg": [], "ffmpeg-split": []}
        w, h, fps = int(shape["width"]), int(shape["height"]), int(shape["fps"])  # type: ignore[call-overload]
        for _ in range(rounds):
            for side in list(results):
                with tempfile.TemporaryDirectory() as folder:
                    out = Path(folder)
                    if side == "schriftje":
                        command = ["taskset", "-c", str(core), sys.executable, "-c", OURS, str(source), str(out)]
                    else:
                        command = ffmpeg_command(source, out, w, h, fps, core, chained=side == "ffmpeg")
                    results[side].append(measure(command, out))
        ours = min(results["schriftje"], key=lambda r: r.wall)
        peer = min(results["ffmpeg"] + results["ffmpeg-split"], key=lambda r: r.wall)  # the faster way to call it
        split = min(results["ffmpeg-split"], key=lambda r: r.wall)
        row = {
            "clip": name,
            "schriftje_s": round(ours.wall, 1),
            "ffmpeg_s": round(peer.wall, 1),
            "ratio": round(peer.wall / ours.wall, 2),
            "schriftje_x_realtime": round(SECONDS / ours.wall, 2),
            "ffmpeg_x_realtime": round(SECONDS / peer.wall, 2),
            "schriftje_cpu_s": round(ours.cpu, 1),
            "ffmpeg_cpu_s": round(peer.cpu, 1),
            "schriftje_peak_mb": round(ours.peak_mb),
            "ffmpeg_peak_mb": round(peer.peak_mb),
            "schriftje_bytes": ours.out_bytes,
            "ffmpeg_bytes": peer.out_bytes,
            "ffmpeg_both_from_source_s": round(split.wall, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


async def latency(core: int) -> float:
    """The upload's response to the parent's ``photo.shared``, on the embedded stack."""
    from bench.embedded import embedded_harness
    from tests.media.conftest import consenting_world
    from tests.messaging.conftest import serving, ws

    os.sched_setaffinity(0, {core})  # the app, its queue and the clip sandbox it starts: one core
    source = make_inputs()["1080p60-hevc.mov"].read_bytes()
    async with embedded_harness() as harness:
        world = await consenting_world(harness)
        async with serving(harness.app) as port, ws(port, token=world.tokens["anna@example.nl"]) as parent:
            await parent.until("ready")
            spec = [{"key": f"bench-clip-{time.time_ns()}", "children": [world.children["Noor"]]}]
            async with world.client("ingrid@example.nl") as staff:
                response = await staff.post(
                    f"/api/groups/{world.groups['Rupsjes']}/clips",
                    data={"clips": json.dumps(spec)},
                    files=[("file", ("IMG_0001.MOV", source, "video/quicktime"))],
                    timeout=300,
                )
            assert response.status_code == 201, response.text
            answered = time.perf_counter()
            while True:
                _, event = await parent.until("event")
                if event["kind"] == "photo.shared":
                    return time.perf_counter() - answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--core", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency", action="store_true")
    args = parser.parse_args()
    print(versions())
    rows = compare(args.core, args.rounds)
    print(
        "\n| clip | Schriftje s (x real time) | ffmpeg CLI s (x real time) | ratio | CPU s ours / ffmpeg "
        "| peak RSS MB ours / ffmpeg | bytes ours / ffmpeg |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['clip']} | {r['schriftje_s']} ({r['schriftje_x_realtime']}x) | {r['ffmpeg_s']} "
            f"({r['ffmpeg_x_realtime']}x) | {r['ratio']} | {r['schriftje_cpu_s']} / {r['ffmpeg_cpu_s']} "
            f"| {r['schriftje_peak_mb']} / {r['ffmpeg_peak_mb']} | {r['schriftje_bytes']} / {r['ffmpeg_bytes']} |"
        )
    if args.latency:
        import asyncio

        seconds = asyncio.run(latency(args.core))
        print(f"\n30 s 1080p60 HEVC clip, upload response -> parent's photo.shared, one core: {seconds:.1f} s")


if __name__ == "__main__":
    main()
