"""HDR to SDR for clips: a 3D lookup table (the ``.cube`` format FFmpeg's ``lut3d``
filter reads) from BT.2020 HLG or PQ signal values to BT.709 SDR signal values.

iPhones record HDR video as HLG (Dolby Vision 8.4 on top, which plays as HLG); some
Android phones record PQ (HDR10). Played as SDR without conversion the colours look
washed out and grey. The table is computed once per transfer function with numpy:
signal -> display light (HLG with its system gamma for a 1000-nit display; PQ in
nits), scaled so HDR reference white (203 nits, ITU-R BT.2408) is SDR white,
a soft shoulder (extended Reinhard) for the highlights above it, BT.2020 -> BT.709
primaries, then BT.709's inverse EOTF (gamma 2.4, as BT.1886 displays show it).
FFmpeg's ``zscale``/``tonemap`` pair does the same job but ``zscale`` (zimg) is not in
PyAV's wheels; ``lut3d`` is, and a table applied to 720p frames costs little.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HLG = 18  # AVCOL_TRC_ARIB_STD_B67
PQ = 16  # AVCOL_TRC_SMPTE2084
HDR_TRANSFERS = frozenset({HLG, PQ})
GRID = 33
REFERENCE_WHITE_NITS = 203.0
HLG_PEAK_NITS = 1000.0
MAX_RELATIVE = HLG_PEAK_NITS / REFERENCE_WHITE_NITS  # the brightest highlight, in SDR whites
KNEE = 0.75  # below this (in SDR whites) light passes unchanged

# BT.2020 -> BT.709 (linear RGB), ITU-R BT.2087
BT2020_TO_BT709 = np.array(
    [
        [1.6605, -0.5876, -0.0728],
        [-0.1246, 1.1329, -0.0083],
        [-0.0182, -0.1006, 1.1187],
    ]
)
LUMA_2020 = np.array([0.2627, 0.6780, 0.0593])


def _hlg_to_nits(signal: np.ndarray) -> np.ndarray:
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    scene = np.where(signal <= 0.5, signal**2 / 3, (np.exp((signal - c) / a) + b) / 12)
    luma = np.maximum(scene @ LUMA_2020, 1e-6)[..., None]
    gamma = 1.2  # the system gamma for a 1000-nit display (BT.2100)
    nits: np.ndarray = HLG_PEAK_NITS * luma ** (gamma - 1) * scene
    return nits


def _pq_to_nits(signal: np.ndarray) -> np.ndarray:
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    power = np.power(np.clip(signal, 0, 1), 1 / m2)
    nits: np.ndarray = 10000 * np.power(np.maximum(power - c1, 0) / (c2 - c3 * power), 1 / m1)
    return nits


def _shoulder(relative: np.ndarray) -> np.ndarray:
    """Linear up to KNEE of SDR white; above it an extended Reinhard curve that brings
    MAX_RELATIVE to exactly 1.0, its slope continuous at the knee. Applied to the largest
    channel and every channel scaled alike, so hues stay."""
    peak = np.maximum(relative.max(axis=-1, keepdims=True), 1e-9)
    x = np.maximum(peak - KNEE, 0) / (1 - KNEE)
    top = (MAX_RELATIVE - KNEE) / (1 - KNEE)
    mapped = np.where(peak <= KNEE, peak, KNEE + (1 - KNEE) * x * (1 + x / top**2) / (1 + x))
    shouldered: np.ndarray = relative * (np.minimum(mapped, 1.0) / peak)
    return shouldered


def table(transfer: int, grid: int = GRID) -> np.ndarray:
    """``grid``^3 RGB outputs in 0..1, red varying fastest (the ``.cube`` order)."""
    steps = np.linspace(0.0, 1.0, grid)
    blue, green, red = np.meshgrid(steps, steps, steps, indexing="ij")
    signal = np.stack([red, green, blue], axis=-1).reshape(-1, 3)
    nits = _hlg_to_nits(signal) if transfer == HLG else _pq_to_nits(signal)
    relative = _shoulder(nits / REFERENCE_WHITE_NITS)
    bt709 = np.clip(relative @ BT2020_TO_BT709.T, 0.0, 1.0)
    encoded: np.ndarray = np.power(bt709, 1 / 2.4)
    return encoded


def write_cube(transfer: int, folder: Path) -> Path:
    """The table as a ``.cube`` file in ``folder``."""
    path = folder / f"sdr-{transfer}.cube"
    values = table(transfer)
    lines = [f"LUT_3D_SIZE {GRID}"] + [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in values]
    path.write_text("\n".join(lines) + "\n")
    return path
