"""Understanding what a villager asks: the FAQ model, normalising, matching and evaluating.

This package is pure: text in, scored candidates out. It never imports `bot`,
`telegram` or `aiohttp`, so every channel and tool can share it.
"""

#: The names the bot uses, each from the module that defines it. They load on first use (PEP 562), so
#: `import intents.faq` stays light: the matcher pulls in numpy and fits a model.
_HOMES = {
    "intents.faq": ("BASIS_LABEL", "DISCLAIMER", "LANGUAGES", "Deadline", "Faq", "Group", "Intent", "Text"),
    "intents.faq_loader": ("Problem", "load_faq", "read_faq"),
    "intents.problems": ("FaqError",),
    "intents.matcher": ("Decision", "Matcher"),
    "intents.triage": ("Danger",),
    "intents.yaml_lines": ("LineDict", "LineList", "YamlError", "load_yaml"),
    "intents.evaluate": ("CaseFileError", "evaluate", "format_report", "read_cases"),
}
__all__ = sorted(name for names in _HOMES.values() for name in names)


def __getattr__(name: str):
    for module, names in _HOMES.items():
        if name in names:
            import importlib

            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'intents' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

