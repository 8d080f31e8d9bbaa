"""Run the held-out test clips on the emulated board and write report.html.

    python examples/keyword_spotting/evaluate.py [--board qemu-m4] [--limit N]

Builds the keyword-spotting firmware (tdlink server + AOT model + firmware/features),
starts it under QEMU, and for every test clip sends the 1 s of int16 audio
(td-audio-load); the device computes the MFCC features and the inference (td-kws).
Its int8 outputs are compared with tflite-micro's on the host-computed features
(from train.py), so "device int8" and "host int8" accuracy can be told apart from
any mismatch. Writes out/device.json and out/report.html (figures, confusion
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


def run_device(out: Path, board: str, limit: int | None, progress=print) -> dict:
    from tinydeploy.targets import target_for

    audio = np.load(out / "test_audio.npy")
    labels = np.load(out / "test_labels.npy")
    host_out = np.load(out / "host_int8_out.npy")
    host_x = np.load(out / "test_int8.npy")
    n = len(audio) if limit is None else min(limit, len(audio))
    fw = build_firmware(out / "kws.tflite", board, out / f"firmware-{board}")
    sizes = fw.build.sizes
    started = time.monotonic()
    classes, outputs, feat_ins, inf_ins = [], [], [], []
    feature_mismatch = 0
    with target_for(fw.board, fw.elf) as target:
        kws = KwsLink(target.link)
        for i in range(n):
            kws.load_audio(audio[i])
            if i < 20:  # the device's own features against numpy's, bit for bit
                feature_mismatch += int(np.count_nonzero(kws.features() != host_x[i]))
            r = kws.detect()
            classes.append(r["class"])
            outputs.append(r["out"])
            feat_ins.append(r.get("feature_instructions"))
            inf_ins.append(r.get("infer_instructions"))
            if progress and (i + 1) % 50 == 0:
                progress(f"  {i + 1}/{n} clips on {board}")
        memory = target.link.memory()
    outputs_arr = np.stack(outputs)
    pred = np.array(classes)
    exact = np.all(outputs_arr == host_out[:n], axis=1)
    n_labels = host_out.shape[1]
    conf = np.zeros((n_labels, n_labels), np.int64)
    np.add.at(conf, (labels[:n], pred), 1)
    host_pred = np.argmax(host_out[:n], axis=1)
    return {
        "board": board, "clips": n,
        "accuracy": float(np.mean(pred == labels[:n])),
        "host_int8_accuracy_same_clips": float(np.mean(host_pred == labels[:n])),
        "outputs_equal_host": int(exact.sum()),
        "feature_values_checked": int(min(n, 20) * host_x.shape[1]),
        "feature_values_differing": feature_mismatch,
        "confusion": conf.tolist(),
        "feature_instructions": feat_ins[0], "infer_instructions": inf_ins[0],
        "instructions_per_clip": (feat_ins[0] + inf_ins[0]) if feat_ins[0] is not None else None,
        "flash_bytes": sizes.flash_bytes, "weights_bytes": sizes.weights_bytes,
        "runtime_code_bytes": sizes.runtime_code_bytes, "other_flash_bytes": sizes.other_flash_bytes,
        "static_ram_bytes": sizes.static_ram_bytes, "stack_used_bytes": memory.get("stack_used_bytes"),
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
                ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                        color="white" if v > m.max() / 2 else "black")
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
        ("data", f"{html.escape(metrics['source'])}; clips train / val / test: "
                 f"{metrics['splits']['train']} / {metrics['splits']['val']} / {metrics['splits']['test']}"),
        ("test accuracy, float (Keras)", f"{acc['float']:.1%}"),
        ("test accuracy, int8 on the host (tflite-micro)", f"{acc['int8_host']:.1%}"),
        (f"test accuracy, int8 on {device['board']} (device features + inference)",
         f"{device['accuracy']:.1%} ({device['clips']} clips; outputs equal to the host's on "
         f"{device['outputs_equal_host']} of {device['clips']})"),
        ("device features vs numpy", f"{device['feature_values_differing']} of "
                                     f"{device['feature_values_checked']} int8 values differ"),
        ("fixed-point vs float64 front end", f"{ff['differing']} of {ff['int8_values']} int8 inputs differ, "
                                             f"by at most {ff['max_steps']} step(s); int8 accuracy with float "
                                             f"features {ff['accuracy_with_float_front_end']:.1%}"),
        ("model", f"{metrics['params']:,} parameters, {metrics['weight_bytes']:,} bytes of weights "
                  f"(int8 weights, int32 biases); .tflite {metrics['tflite_bytes']:,} B"),
        ("flash", f"{device['flash_bytes']:,} B (weights {device['weights_bytes']:,}, runtime "
                  f"{device['runtime_code_bytes']:,}, other {device['other_flash_bytes']:,})"),
        ("RAM", f"{_b(device['ram_bytes'])} B (static {_b(device['static_ram_bytes'])} incl. arena "
                f"{_b(device['arena_bytes'])} and 32,000 B of audio; stack high-water "
                f"{_b(device['stack_used_bytes'])})"),
    ]
    if device.get("instructions_per_clip"):
        rows.append(("instructions per clip (emulated, QEMU -icount)",
                     f"{device['instructions_per_clip']:,} = features {device['feature_instructions']:,} "
                     f"+ inference {device['infer_instructions']:,}"))
    png = _confusion_png(metrics["labels"], {"int8 on the host": metrics["confusion"]["int8_host"],
                                             f"int8 on {device['board']}": device["confusion"]})
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    text = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Keyword spotting: tinydeploy report</title>
<style>body{{font-family:sans-serif;max-width:72em;margin:2em auto}} th{{text-align:left;padding-right:1em;vertical-align:top}}
td,th{{border-bottom:1px solid #ddd;padding:.3em}} table{{border-collapse:collapse}}</style></head>
<body><h1>Keyword spotting: DS-CNN int8 on {html.escape(device['board'])}</h1>
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
    args = p.parse_args(argv)
    metrics = json.loads((args.out / "metrics.json").read_text())
    print(f"building the keyword-spotting firmware for {args.board} and running "
          f"{args.limit or metrics['splits']['test']} test clips ...", flush=True)
    device = run_device(args.out, args.board, args.limit)
    (args.out / "device.json").write_text(json.dumps(device, indent=1))
    report = write_report(args.out, metrics, device)
    ins = device["instructions_per_clip"]
    print(f"accuracy: float {metrics['accuracy']['float']:.3f}, int8 host "
          f"{metrics['accuracy']['int8_host']:.3f}, int8 {args.board} {device['accuracy']:.3f} "
          f"({device['outputs_equal_host']}/{device['clips']} outputs equal to the host's)")
    print(f"flash {device['flash_bytes']:,} B, RAM {device['ram_bytes']:,} B"
          + (f", {ins:,} instructions per clip (emulated)" if ins else ""))
    print(f"wrote {report}")
    ok = device["outputs_equal_host"] == device["clips"] and device["feature_values_differing"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
