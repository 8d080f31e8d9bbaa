"""Run the held-out test clips on the emulated board and write report.html.

    python examples/keyword_spotting/evaluate.py [--board qemu-m4] [--limit N]

Builds the keyword-spotting firmware (tdlink server + AOT model + firmware/features),
starts it under QEMU, runs every test clip's int8 features through the model on the
device, and sends the first --audio clips as 1 s of int16 audio (td-audio-load), for
which the device computes the MFCC features and the inference itself (td-kws). All
device outputs are compared with tflite-micro's on the host-computed features (from
train.py), and the device's features with numpy's. Writes out/device.json and out/report.html (figures, confusion
matrices as an inline PNG).
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from device import KwsLink, build_firmware  # noqa: E402


def run_device(out: Path, board: str, limit: int | None, audio_clips: int = 20, progress=print) -> dict:
    """Every test clip's int8 features through the model on the device (td-load +
    infer, as tinydeploy flash does), and the first ``audio_clips`` clips end to end:
    1 s of audio in, features + inference on the device (td-audio-load, td-kws-feat,
    td-kws). Audio is 65x more bytes than features over the emulated UART, hence
    the split; both must agree with the host bit for bit."""
    from tinydeploy.targets import target_for

    audio = np.load(out / "test_audio.npy")
    labels = np.load(out / "test_labels.npy")
    host_out = np.load(out / "host_int8_out.npy")
    host_x = np.load(out / "test_int8.npy")
    n = len(audio) if limit is None else min(limit, len(audio))
    n_audio = min(audio_clips, n)
    fw = build_firmware(out / "kws.tflite", board, out / f"firmware-{board}")
    sizes = fw.build.sizes
    started = time.monotonic()
    outputs, e2e_equal, e2e_correct = [], 0, 0
    feature_mismatch = 0
    first: dict = {}
    with target_for(fw.board, fw.elf) as target:
        link = target.link
        kws = KwsLink(link)
        for i in range(n):
            link.load_input(host_x[i].tobytes())
            link.command("infer 1 0", timeout=link.timeout + 30)
            outputs.append(np.frombuffer(link.output(), np.int8))
            if progress and (i + 1) % 100 == 0:
                progress(f"  {i + 1}/{n} feature maps on {board}", flush=True)
        for i in range(n_audio):
            kws.load_audio(audio[i])
            feature_mismatch += int(np.count_nonzero(kws.features() != host_x[i]))
            r = kws.detect()
            first = first or r
            e2e_equal += int(np.array_equal(r["out"], host_out[i]))
            e2e_correct += int(r["class"] == labels[i])
        memory = link.memory()
    outputs_arr = np.stack(outputs)
    pred = np.argmax(outputs_arr, axis=1)
    exact = np.all(outputs_arr == host_out[:n], axis=1)
    n_labels = host_out.shape[1]
    conf = np.zeros((n_labels, n_labels), np.int64)
    np.add.at(conf, (labels[:n], pred), 1)
    host_pred = np.argmax(host_out[:n], axis=1)
    feat_ins, inf_ins = first.get("feature_instructions"), first.get("infer_instructions")
    return {
        "board": board,
        "clips": n,
        "accuracy": float(np.mean(pred == labels[:n])),
        "host_int8_accuracy_same_clips": float(np.mean(host_pred == labels[:n])),
        "outputs_equal_host": int(exact.sum()),
        "audio_clips": n_audio,
        "audio_outputs_equal_host": e2e_equal,
        "audio_accuracy": e2e_correct / n_audio if n_audio else None,
        "feature_values_checked": int(n_audio * host_x.shape[1]),
        "feature_values_differing": feature_mismatch,
        "confusion": conf.tolist(),
        "feature_instructions": feat_ins,
        "infer_instructions": inf_ins,
        "instructions_per_clip": (feat_ins + inf_ins) if feat_ins is not None else None,
        "flash_bytes": sizes.flash_bytes,
        "weights_bytes": sizes.weights_bytes,
        "runtime_code_bytes": sizes.runtime_code_bytes,
        "other_flash_bytes": sizes.other_flash_bytes,
        "static_ram_bytes": sizes.static_ram_bytes,
        "stack_used_bytes": memory.get("stack_used_bytes"),
        "arena_bytes": memory.get("arena_bytes"),
        "ram_bytes": sizes.static_ram_bytes + (memory.get("stack_used_bytes") or 0),
        "seconds": round(time.monotonic() - started, 1),
    }


def _confusion_png(labels: list[str], matrices: dict[str, list[list[int]]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(matrices), figsize=(5.2 * len(matrices), 4.8))
    for ax, (title, m) in zip(np.atleast_1d(axes), matrices.items()):
        m = np.asarray(m)
        ax.imshow(m, cmap="Blues")
        ax.set_title(title)
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        for (r, c), v in np.ndenumerate(m):
            if v:
                ax.text(
                    c, r, str(v), ha="center", va="center", fontsize=7, color="white" if v > m.max() / 2 else "black"
                )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _b(v: int | None) -> str:
    return "n/a" if v is None else f"{v:,}"


def write_report(out: Path, metrics: dict, device: dict) -> Path:
    acc = metrics["accuracy"]
    ff = metrics["feature_fixed_vs_float"]
    rows = [
        (
            "data",
            f"{html.escape(metrics['source'])}; clips train / val / test: "
            f"{metrics['splits']['train']} / {metrics['splits']['val']} / {metrics['splits']['test']}",
        ),
        ("test accuracy, float (Keras)", f"{acc['float']:.1%}"),
        ("test accuracy, int8 on the host (tflite-micro)", f"{acc['int8_host']:.1%}"),
        (
            f"test accuracy, int8 on {device['board']}",
            f"{device['accuracy']:.1%} ({device['clips']} clips' features through the model on the "
            f"device; outputs equal to the host's on {device['outputs_equal_host']} of {device['clips']})",
        ),
        (
            f"audio in, features + inference on {device['board']}",
            f"{device['audio_clips']} clips: outputs equal to the host's on "
            f"{device['audio_outputs_equal_host']}; {device['feature_values_differing']} of "
            f"{device['feature_values_checked']} int8 feature values differ from numpy's",
        ),
        (
            "fixed-point vs float64 front end",
            f"{ff['differing']} of {ff['int8_values']} int8 inputs differ, "
            f"by at most {ff['max_steps']} step(s); int8 accuracy with float "
            f"features {ff['accuracy_with_float_front_end']:.1%}",
        ),
        (
            "model",
            f"{metrics['params']:,} parameters, {metrics['weight_bytes']:,} bytes of weights "
            f"(int8 weights, int32 biases); .tflite {metrics['tflite_bytes']:,} B",
        ),
        (
            "flash",
            f"{device['flash_bytes']:,} B (weights {device['weights_bytes']:,}, runtime "
            f"{device['runtime_code_bytes']:,}, other {device['other_flash_bytes']:,})",
        ),
        (
            "RAM",
            f"{_b(device['ram_bytes'])} B (static {_b(device['static_ram_bytes'])} incl. arena "
            f"{_b(device['arena_bytes'])} and 32,000 B of audio; stack high-water "
            f"{_b(device['stack_used_bytes'])})",
        ),
    ]
    if device.get("instructions_per_clip"):
        rows.append(
            (
                "instructions per clip (emulated, QEMU -icount)",
                f"{device['instructions_per_clip']:,} = features {device['feature_instructions']:,} "
                f"+ inference {device['infer_instructions']:,}",
            )
        )
    png = _confusion_png(
        metrics["labels"],
        {"int8 on the host": metrics["confusion"]["int8_host"], f"int8 on {device['board']}": device["confusion"]},
    )
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    text = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Keyword spotting: tinydeploy report</title>
<style>body{{font-family:sans-serif;max-width:72em;margin:2em auto}} th{{text-align:left;padding-right:1em;vertical-align:top}}
td,th{{border-bottom:1px solid #ddd;padding:.3em}} table{{border-collapse:collapse}}</style></head>
<body><h1>Keyword spotting: DS-CNN int8 on {html.escape(device["board"])}</h1>
<table>{table}</table>
<h2>Confusion matrices (test split)</h2>
<img alt="confusion matrices" src="data:image/png;base64,{png}">
<p>Generated by examples/keyword_spotting/evaluate.py. Instruction counts come from QEMU's
-icount and are emulated figures, not cycles of a real chip.</p>
</body></html>
"""
    path = out / "report.html"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--out", type=Path, default=HERE / "out", help="train.py's output folder")
    p.add_argument("--board", default="qemu-m4", help="a make board (QEMU or host)")
    p.add_argument("--limit", type=int, help="only the first N test clips")
    p.add_argument("--audio", type=int, default=20, help="clips sent as audio (device features + inference) [20]")
    args = p.parse_args(argv)
    metrics = json.loads((args.out / "metrics.json").read_text())
    print(
        f"building the keyword-spotting firmware for {args.board} and running "
        f"{args.limit or metrics['splits']['test']} test clips ...",
        flush=True,
    )
    device = run_device(args.out, args.board, args.limit, args.audio)
    (args.out / "device.json").write_text(json.dumps(device, indent=1))
    report = write_report(args.out, metrics, device)
    ins = device["instructions_per_clip"]
    print(
        f"accuracy: float {metrics['accuracy']['float']:.3f}, int8 host "
        f"{metrics['accuracy']['int8_host']:.3f}, int8 {args.board} {device['accuracy']:.3f} "
        f"({device['outputs_equal_host']}/{device['clips']} outputs equal to the host's)"
    )
    print(
        f"flash {device['flash_bytes']:,} B, RAM {device['ram_bytes']:,} B"
        + (f", {ins:,} instructions per clip (emulated)" if ins else "")
    )
    print(f"wrote {report}")
    ok = (
        device["outputs_equal_host"] == device["clips"]
        and device["feature_values_differing"] == 0
        and device["audio_outputs_equal_host"] == device["audio_clips"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
