"""Lazy stand-ins for heavy modules that notebooks import but graded functions rarely use
(standard library only: runs in the sandbox too)."""
import sys


class LazyModule(type(sys)):
    """Stands for a heavy module a notebook imports but graded functions rarely use: importing it
    costs nothing; the first attribute used imports the real module (keeps fork() cheap)."""

    def __getattr__(self, attribute):
        import importlib
        drop_lazy_modules()
        real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


def lazy_matplotlib():
    """Put stand-ins for matplotlib and pyplot in sys.modules (see ``LazyModule``)."""
    package, pyplot = LazyModule("matplotlib"), LazyModule("matplotlib.pyplot")
    package.__path__, package.pyplot = [], pyplot
    sys.modules.update({"matplotlib": package, "matplotlib.pyplot": pyplot})


def drop_lazy_modules():
    for name in [n for n, m in list(sys.modules.items()) if isinstance(m, LazyModule)]:
        del sys.modules[name]
