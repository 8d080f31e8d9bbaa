"""FPGA export: a Keras model to an HLS project with hls4ml, checked bit-accurately on the host.

config    the design settings (precision, reuse factor, strategy, part, ...) from CLI or TOML
hls       the only module that imports hls4ml: convert, write, C-simulate, synthesize
compare   fixed-point C simulation vs the float Keras model, per layer and at the output
profile   value ranges per layer and the fixed-point types they call for
estimate  DSPs, BRAM, II and latency from the converted design (an estimate, not synthesis)
report    report.json / report.md / report.html
"""
