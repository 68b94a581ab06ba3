"""The base of every error that is the user's to fix (a bad file, option, script or address),
so the command line prints those as one clear line and lets a real bug show its traceback."""


class EngineError(Exception):
    """A problem with what the user gave the engine; its message says what and where."""


class OptionError(EngineError, ValueError):
    """A bad command-line option, URI, URI option or show-file setting; names it and the value."""


class FileError(EngineError, ValueError):
    """A file the user named that cannot be read or written, or whose contents cannot be used."""
