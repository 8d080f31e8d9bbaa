"""No module of a lower stage imports a higher one (docs/architecture.md: data flows
one way). The imports are read with ast, not executed; imports inside functions
(lazy ones) count as much as those at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tinydeploy"

# The stage order, lowest first; one row per layer, each a list of module prefixes
# (the longest prefix that matches a module decides its layer). A module may import
# its own layer and any layer above it in this list, never one below it.
ORDER: list[tuple[str, list[str]]] = [
    # "tinydeploy.__version__": `from tinydeploy import __version__` (the package itself
    # is the public API, the row "api")
    (
        "base",
        [
            "tinydeploy.__version__",
            "tinydeploy.errors",
            "tinydeploy.resources",
            "tinydeploy._fdcapture",
            "tinydeploy.outdir",
            "tinydeploy.cgen",
            "tinydeploy.templates",
            "tinydeploy.boards",
        ],
    ),
    ("link", ["tinydeploy.link"]),
    ("model", ["tinydeploy.model"]),
    ("measure", ["tinydeploy.measure"]),  # compare + latency: over a Link and the oracle
    ("compile", ["tinydeploy.compile"]),
    ("tflm", ["tinydeploy.tflm"]),  # obtaining and building TFLite Micro
    ("codegen", ["tinydeploy.codegen"]),
    ("build", ["tinydeploy.build"]),
    ("targets", ["tinydeploy.targets"]),
    ("report", ["tinydeploy.report"]),
    ("tools", ["tinydeploy.compress", "tinydeploy.fpga"]),
    ("policy", ["tinydeploy.policy"]),
    ("pipeline", ["tinydeploy.pipeline"]),
    ("applications", ["tinydeploy.profile", "tinydeploy.hil", "tinydeploy.pytest_plugin", "tinydeploy.search"]),
    # the public Python API: tinydeploy/__init__.py, api.py and the result types
    ("api", ["tinydeploy", "tinydeploy.api", "tinydeploy.results"]),
    # every command-line module: the top, they only parse, call and print
    (
        "cli",
        [
            "tinydeploy.cli",
            "tinydeploy.boards_cli",
            "tinydeploy.flash_cli",
            "tinydeploy.export_cli",
            "tinydeploy.compile.cli",
            "tinydeploy.model.cli",
            "tinydeploy.profile.cli",
            "tinydeploy.compress.cli",
            "tinydeploy.fpga.cli",
            "tinydeploy.search.cli",
            "tinydeploy.cli_progress",
        ],
    ),
]
RANK = {prefix: rank for rank, (_, prefixes) in enumerate(ORDER) for prefix in prefixes}


def layer(module: str) -> int | None:
    """The layer of the longest listed prefix of ``module``; the bare package name
    matches only itself (a new module must get its own row)."""
    parts = module.split(".")
    for n in range(len(parts), 0 if module == "tinydeploy" else 1, -1):
        rank = RANK.get(".".join(parts[:n]))
        if rank is not None:
            return rank
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").is_file() or (PACKAGE.parent / rel / "__init__.py").is_file()


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported tinydeploy module) for every import statement in the file."""
    return imports_in(path.read_text(), module_name(path), path.name == "__init__.py")


def imports_in(source: str, me: str, is_package: bool) -> list[tuple[int, str]]:
    package = me if is_package else me.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                # a module, the package's version (base), or a name of the package (the API)
                found.append((node.lineno, sub if _is_module(sub) or sub == "tinydeploy.__version__" else base))
    return [(line, m) for line, m in found if m == "tinydeploy" or m.startswith("tinydeploy.")]


def test_every_module_has_a_layer() -> None:
    missing = [module_name(p) for p in sorted(PACKAGE.rglob("*.py")) if layer(module_name(p)) is None]
    assert not missing, f"add these modules to ORDER in {Path(__file__).name}: {missing}"


def test_no_upward_imports() -> None:
    upward: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        me = module_name(path)
        mine = layer(me)
        for line, target in imports(path):
            theirs = layer(target)
            if theirs is not None and mine is not None and theirs > mine:
                upward.add(
                    f"{path.relative_to(PACKAGE.parent)}:{line}: {me} "
                    f"({ORDER[mine][0]}) imports {target} ({ORDER[theirs][0]})"
                )
    assert not upward, "imports against the stage order:\n" + "\n".join(sorted(upward))


def test_the_walk_sees_lazy_and_relative_imports() -> None:
    # the checker itself: an import inside a function and a relative one are found,
    # and `from tinydeploy import cgen` is the module tinydeploy.cgen
    src = (
        "from tinydeploy import __version__, cgen\n"
        "def f():\n    from tinydeploy.pipeline import flash\n"
        "from . import emit\nfrom .lower import Step\n"
    )
    found = {m for _, m in imports_in(src, "tinydeploy.compile.probe", is_package=False)}
    assert found == {
        "tinydeploy.__version__",
        "tinydeploy.cgen",
        "tinydeploy.pipeline",
        "tinydeploy.compile.emit",
        "tinydeploy.compile.lower",
    }
    assert (
        layer("tinydeploy.compile.cli")
        > layer("tinydeploy.pipeline")
        > layer("tinydeploy.compile.emit")
        > layer("tinydeploy.cgen")
    )


def test_the_api_sits_above_the_stages() -> None:
    # `from tinydeploy import flash` in a stage is an upward import; the version is not
    found = dict(
        (m, layer(m))
        for _, m in imports_in("from tinydeploy import flash, __version__\n", "tinydeploy.pipeline", False)
    )
    assert found["tinydeploy"] > layer("tinydeploy.pipeline") > found["tinydeploy.__version__"]
    assert layer("tinydeploy.cli") > layer("tinydeploy") and layer("tinydeploy.nonesuch") is None
