"""One way to keep a table of handlers by name, as the importers and exporters do."""


def registrar(table: dict):
    """A decorator factory: ``@register("Conv", "ConvTranspose")`` puts the function into
    ``table`` under each name and returns it unchanged."""
    def register(*names):
        def wrap(fn):
            for name in names:
                table[name] = fn
            return fn
        return wrap
    return register
