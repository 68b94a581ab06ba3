"""OpenGL rendering of a posed avatar, headless (EGL) or in a window, to PNG and MP4."""
