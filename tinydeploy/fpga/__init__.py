"""FPGA export: a Keras or PyTorch model to an HLS project with hls4ml, checked on the host.

config    the design settings (precision, reuse factor, strategy, part, ...) from CLI or TOML
hls       hls4ml: convert a Keras model, write, C-simulate, synthesize
torch_in  PyTorch in: load a saved module safely, convert it (hls4ml's PyTorch front end), fx references
compare   fixed-point C simulation vs the float model, per layer and at the output
profile   value ranges per layer and the fixed-point types they call for
estimate  DSPs, BRAM, II and latency from the converted design (an estimate, not synthesis)
report    report.json / report.md / report.html
"""
