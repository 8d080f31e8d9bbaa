"""Labelled 1 s clips for keyword spotting: synthesized with espeak-ng, or read from
a local copy of Google Speech Commands.

Synthesized set (``synthesize``): 10 keywords plus "silence" and "unknown" (other
words), spoken by espeak-ng voices (8 English accents x 20 voice variants = 160
"speakers") at random speeds and pitches, placed at a random offset in the second,
at a random level, mixed with generated background noise (white, pink, brown,
mains hum) at a random SNR. Speakers are assigned to train/validation/test by a
hash of their name, as Speech Commands does, so no test speaker is heard in
training. Everything follows from the seed.

Speech Commands (``speech_commands``): the standard folder layout (one folder per
word, ``validation_list.txt``, ``testing_list.txt``, ``_background_noise_/``);
words other than the keywords are "unknown", "silence" clips are cut from the
background noise files.

Both return {"train"|"val"|"test": (audio int16 [N, 16000], labels int64 [N])}.
"""

from __future__ import annotations

import hashlib
import io
import math
import subprocess
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
CLIP = 16000
KEYWORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
LABELS = KEYWORDS + ("silence", "unknown")
SILENCE, UNKNOWN = LABELS.index("silence"), LABELS.index("unknown")
UNKNOWN_WORDS = (
    "bed",
    "bird",
    "cat",
    "dog",
    "eight",
    "five",
    "four",
    "happy",
    "house",
    "marvin",
    "nine",
    "one",
    "seven",
    "sheila",
    "six",
    "three",
    "tree",
    "two",
    "wow",
    "zero",
    "backward",
    "forward",
    "follow",
    "learn",
    "visual",
    "yellow",
    "note",
    "dune",
    "stoke",
)
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
VARIANTS = (
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "klatt",
    "klatt2",
    "klatt3",
    "klatt4",
    "croak",
    "whisper",
    "Andy",
    "Annie",
)
SPLIT_PERCENT = {"val": 10, "test": 10}  # the rest is train


def speaker_split(speaker: str) -> str:
    """train / val / test from a stable hash of the speaker's name."""
    h = int(hashlib.sha1(speaker.encode()).hexdigest(), 16) % 100
    if h < SPLIT_PERCENT["val"]:
        return "val"
    if h < SPLIT_PERCENT["val"] + SPLIT_PERCENT["test"]:
        return "test"
    return "train"


# -- audio helpers ---------------------------------------------------------------
def read_wav(data: bytes | Path) -> tuple[np.ndarray, int]:
    """(float samples in [-1, 1], sample rate) of a 16-bit PCM WAV; espeak-ng's
    --stdout header has no valid length, so the data chunk runs to the end."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    try:
        with wave.open(io.BytesIO(raw)) as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc}") from exc
    if width != 2:
        raise ValueError(f"expected 16-bit samples, got {8 * width}-bit")
    start = raw.find(b"data") + 8
    body = raw[start : len(raw) - (len(raw) - start) % (2 * channels)]
    x = np.frombuffer(body, "<i2").reshape(-1, channels)[:, 0]
    return x.astype(np.float64) / 32768.0, rate


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(audio, "<i2").tobytes())


@lru_cache(maxsize=4)
def _resample_kernel(rate: int, to: int, taps: int) -> np.ndarray:
    """[to // g phases, 2 * taps] Hann-windowed sinc taps, one row per output phase."""
    g = math.gcd(rate, to)
    phase = (np.arange(to // g) * (rate // g) % (to // g)) / (to // g)
    d = phase[:, None] - np.arange(-taps + 1, taps + 1)[None, :]
    cutoff = 0.95 * min(1.0, to / rate)
    return cutoff * np.sinc(cutoff * d) * (0.5 + 0.5 * np.cos(np.pi * np.clip(d / taps, -1, 1)))


def resample(x: np.ndarray, rate: int, to: int = SAMPLE_RATE, taps: int = 16) -> np.ndarray:
    """Band-limited (Hann-windowed sinc) resampling between whole sample rates."""
    if rate == to:
        return x
    g = math.gcd(rate, to)
    n = np.arange(int(len(x) * to / rate))
    base = n * (rate // g) // (to // g)
    h = _resample_kernel(rate, to, taps)[n % (to // g)]
    k = base[:, None] + np.arange(-taps + 1, taps + 1)[None, :]
    xp = np.concatenate([np.zeros(taps), x, np.zeros(taps + 1)])
    return (xp[k + taps] * h).sum(axis=1)


def trim(x: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    loud = np.nonzero(np.abs(x) > threshold * np.abs(x).max(initial=1e-9))[0]
    return x[loud[0] : loud[-1] + 1] if len(loud) else x[:0]


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS background noise: white, pink (1/f), brown (1/f^2) or mains hum."""
    if kind == "hum":
        f0 = rng.choice([50.0, 60.0])
        t = np.arange(n) / SAMPLE_RATE
        x = sum(rng.uniform(0.2, 1.0) / h * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6.3)) for h in range(1, 8))
        x = x + 0.05 * rng.standard_normal(n)
    else:
        spec = np.fft.rfft(rng.standard_normal(n))
        f = np.maximum(np.fft.rfftfreq(n, 1 / SAMPLE_RATE), 20.0)
        spec *= {"white": 1.0, "pink": f**-0.5, "brown": f**-1.0}[kind]
        x = np.fft.irfft(spec, n)
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


NOISES = ("white", "pink", "brown", "hum")


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def mix(speech: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """A 1 s int16 clip: speech (float, 16 kHz) at a random offset and level over
    random background noise; speech None gives a 'silence' clip."""
    clip = np.zeros(CLIP)
    if speech is not None and len(speech):
        speech = speech[:CLIP]
        offset = int(rng.integers(0, CLIP - len(speech) + 1))
        peak = 10 ** (rng.uniform(-24, -1) / 20)
        clip[offset : offset + len(speech)] = speech * peak / np.abs(speech).max()
        rms = np.sqrt(np.mean(clip[offset : offset + len(speech)] ** 2))
        if rng.random() < 0.9:
            snr_db = rng.uniform(5, 40)
            clip += noise(str(rng.choice(NOISES)), CLIP, rng) * rms * 10 ** (-snr_db / 20)
    elif rng.random() < 0.9:  # silence: background only, from near-digital-silence to loud
        clip += noise(str(rng.choice(NOISES)), CLIP, rng) * 10 ** (rng.uniform(-75, -20) / 20)
    return to_int16(clip)


# -- espeak-ng ---------------------------------------------------------------------
def speak(word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    """One word as float samples at 16 kHz, leading/trailing silence trimmed."""
    try:
        proc = subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word],
            capture_output=True,
            timeout=30,
            check=True,
        )
    except FileNotFoundError as exc:
        raise RuntimeError(
            "espeak-ng is not installed: apt-get install espeak-ng (or pass --speech-commands DIR)"
        ) from exc
    x, rate = read_wav(proc.stdout)
    return trim(resample(x, rate))


def speakers(quick: bool = False) -> list[str]:
    accents = ACCENTS[:4] if quick else ACCENTS
    variants = VARIANTS[::2] if quick else VARIANTS
    return [f"{a}+{v}" for a in accents for v in variants]


def synthesize(
    seed: int = 0,
    reps: int = 2,
    unknown_per_speaker: int = 4,
    silence_per_speaker: int = 3,
    augment: int = 2,
    quick: bool = False,
    progress=print,
    splits: tuple[str, ...] = ("train", "val", "test"),
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The espeak-ng keyword set. Each training utterance is mixed ``augment``
    times (different offset, level and noise); validation and test once.
    ``splits`` limits it to some splits' speakers (more held-out clips: another seed)."""
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[list[np.ndarray], list[int]]] = {s: ([], []) for s in ("train", "val", "test")}
    all_speakers = speakers(quick)
    for n, spk in enumerate(all_speakers):
        split = speaker_split(spk)
        if split not in splits:
            continue
        copies = augment if split == "train" else 1
        words = [(w, i) for i, w in enumerate(KEYWORDS) for _ in range(reps)]
        words += [(str(w), UNKNOWN) for w in rng.choice(UNKNOWN_WORDS, unknown_per_speaker)]
        clips, labels = out[split]
        for word, label in words:
            speech = speak(word, spk, int(rng.integers(120, 240)), int(rng.integers(20, 80)))
            for _ in range(copies):
                clips.append(mix(speech, rng))
                labels.append(label)
        for _ in range(silence_per_speaker * copies):
            clips.append(mix(None, rng))
            labels.append(SILENCE)
        if progress and (n + 1) % 20 == 0:
            progress(f"  synthesized {n + 1}/{len(all_speakers)} speakers")
    return {
        s: (np.stack(c) if c else np.zeros((0, CLIP), np.int16), np.array(lab, np.int64)) for s, (c, lab) in out.items()
    }


# -- Google Speech Commands ----------------------------------------------------------
def _load_clip(path: Path) -> np.ndarray:
    x, rate = read_wav(path)
    x = resample(x, rate)[:CLIP]
    return to_int16(np.pad(x, (0, CLIP - len(x))))


def speech_commands(
    root: Path,
    seed: int = 0,
    unknown_fraction: float = 1.0,
    silence_fraction: float = 1.0,
    limit: int | None = None,
    progress=print,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Speech Commands (v0.01 or v0.02) from its standard layout under root.

    Per split, "unknown" clips are sampled to unknown_fraction x the mean keyword
    count, and as many "silence" clips (silence_fraction) are cut from
    _background_noise_ at random levels. ``limit``: at most that many files per
    word and split (a quick look at a big copy)."""
    root = Path(root)
    if not (root / "testing_list.txt").is_file():
        raise FileNotFoundError(f"{root} is not a Speech Commands folder (no testing_list.txt)")
    rng = np.random.default_rng(seed)
    listed = {
        s: set((root / f"{n}_list.txt").read_text().split()) for s, n in (("val", "validation"), ("test", "testing"))
    }
    files: dict[str, list[tuple[str, int]]] = {"train": [], "val": [], "test": []}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        label = KEYWORDS.index(folder.name) if folder.name in KEYWORDS else UNKNOWN
        for wav in sorted(folder.glob("*.wav")):
            rel = f"{folder.name}/{wav.name}"
            split = "val" if rel in listed["val"] else "test" if rel in listed["test"] else "train"
            files[split].append((rel, label))
    noises = [_noise_file(p) for p in sorted((root / "_background_noise_").glob("*.wav"))]
    result = {}
    for split, items in files.items():
        known = [it for it in items if it[1] != UNKNOWN]
        unknown = [it for it in items if it[1] == UNKNOWN]
        if limit:
            known = [it for k in range(len(KEYWORDS)) for it in [i for i in known if i[1] == k][:limit]]
        per_word = len(known) / len(KEYWORDS)
        n_unknown = min(len(unknown), int(round(unknown_fraction * per_word)))
        picked = known + [unknown[i] for i in sorted(rng.choice(len(unknown), n_unknown, replace=False))]
        clips = [_load_clip(root / rel) for rel, _ in picked]
        labels = [lab for _, lab in picked]
        for _ in range(int(round(silence_fraction * per_word)) if noises else 0):
            src = noises[int(rng.integers(len(noises)))]
            start = int(rng.integers(0, max(1, len(src) - CLIP)))
            level = rng.uniform(0.0, 1.0)
            clips.append(to_int16(np.pad(src[start : start + CLIP] * level, (0, max(0, CLIP - len(src))))))
            labels.append(SILENCE)
        if progress:
            progress(f"  speech commands {split}: {len(clips)} clips")
        result[split] = (np.stack(clips) if clips else np.zeros((0, CLIP), np.int16), np.array(labels, np.int64))
    return result


def _noise_file(path: Path) -> np.ndarray:
    x, rate = read_wav(path)
    return resample(x, rate)
