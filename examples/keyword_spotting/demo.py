"""Stream audio to the keyword-spotting firmware and print what it hears.

    python examples/keyword_spotting/demo.py --word left               # an espeak-ng utterance
    python examples/keyword_spotting/demo.py --wav my_recording.wav    # any 16-bit PCM WAV

The firmware (built from out/kws.tflite, as evaluate.py does) runs on the board
(qemu-m4 by default). The audio goes over the serial link one second at a time
(td-audio-load; longer recordings in windows every --hop seconds); the device
computes the MFCC features and the inference (td-kws) and answers with the top
class and the time it took, in instructions under QEMU (emulated) or cycles on
hardware. Like the Arduino sketch, windows are smoothed: a keyword is reported when
its probability averaged over --smooth windows passes --threshold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dataset  # noqa: E402
from device import KwsLink, build_firmware  # noqa: E402


def utterance(word: str, voice: str, seed: int) -> np.ndarray:
    """One second: the word spoken by espeak-ng, centred, over quiet pink noise."""
    rng = np.random.default_rng(seed)
    speech = dataset.speak(word, voice, 160, 50)[: dataset.CLIP]
    clip = np.zeros(dataset.CLIP)
    start = (dataset.CLIP - len(speech)) // 2
    clip[start : start + len(speech)] = 0.5 * speech / max(np.abs(speech).max(), 1e-9)
    clip += 0.003 * dataset.noise("pink", dataset.CLIP, rng)
    return dataset.to_int16(clip)


def windows(audio: np.ndarray, hop: float) -> list[tuple[float, np.ndarray]]:
    if len(audio) <= dataset.CLIP:
        return [(0.0, np.pad(audio, (0, dataset.CLIP - len(audio))))]
    step = max(1, int(hop * dataset.SAMPLE_RATE))
    return [
        (s / dataset.SAMPLE_RATE, audio[s : s + dataset.CLIP]) for s in range(0, len(audio) - dataset.CLIP + 1, step)
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav", type=Path, help="a 16-bit PCM WAV file (resampled to 16 kHz)")
    src.add_argument("--word", help="say this word with espeak-ng")
    p.add_argument("--voice", default="en-us+f3", help="espeak-ng voice for --word")
    p.add_argument("-o", "--out", type=Path, default=HERE / "out", help="train.py's output folder")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--hop", type=float, default=0.25, help="seconds between windows of a long WAV")
    p.add_argument("--smooth", type=int, default=3, help="windows averaged (long WAVs)")
    p.add_argument("--threshold", type=float, default=0.6)
    args = p.parse_args(argv)

    labels = (args.out / "labels.txt").read_text().split()
    if args.wav:
        x, rate = dataset.read_wav(args.wav)
        audio = dataset.to_int16(dataset.resample(x, rate))
        what = str(args.wav)
    else:
        audio = utterance(args.word, args.voice, 0)
        what = f"'{args.word}' ({args.voice})"
    from tinydeploy.targets import target_for

    print(f"building the keyword-spotting firmware for {args.board} ...", flush=True)
    fw = build_firmware(args.out / "kws.tflite", args.board, args.out / f"firmware-{args.board}")
    wins = windows(audio, args.hop)
    print(f"streaming {len(audio) / dataset.SAMPLE_RATE:.2f} s of {what} in {len(wins)} window(s)")
    history: list[np.ndarray] = []
    heard = []
    with target_for(fw.board, fw.elf) as target:
        kws = KwsLink(target.link)
        out_info = target.link.info()["output"]
        for t, clip in wins:
            kws.load_audio(clip)
            r = kws.detect()
            probs = out_info["scale"] * (r["out"].astype(np.float64) - out_info["zero_point"])
            history = (history + [probs])[-args.smooth :]
            smooth = np.mean(history, axis=0) if len(wins) > 1 else probs
            best = int(np.argmax(smooth))
            if "feature_instructions" in r:
                cost = (
                    f"features {r['feature_instructions']:,} + inference "
                    f"{r['infer_instructions']:,} instructions (emulated)"
                )
            else:
                hz = r["tick_hz"]
                cost = (
                    f"features {r['feature_ticks'] / hz * 1e3:.1f} ms + inference {r['infer_ticks'] / hz * 1e3:.1f} ms"
                )
            print(
                f"  {t:6.2f}-{t + 1:.2f} s: {labels[r['class']]:8s} p={probs[r['class']]:.2f}  "
                f"smoothed: {labels[best]} {smooth[best]:.2f}  | {cost}"
            )
            if smooth[best] >= args.threshold and labels[best] not in ("silence", "unknown"):
                if not heard or heard[-1][1] != labels[best] or t - heard[-1][0] > 1.0:
                    heard.append((t, labels[best]))
    print("detected: " + (", ".join(f"{w} at {t:.2f} s" for t, w in heard) if heard else "no keyword"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
