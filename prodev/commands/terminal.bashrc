# The start-up file of JupyterLab's terminals under `prodev lab` (bash --rcfile): the user's own
# settings first, then the course's Python environment first on PATH, because a ~/.bashrc that
# sets up pyenv or conda puts its own `python` ahead of the course's.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
if [ -n "$PRODEV_BIN" ]; then
    PATH="$PRODEV_BIN:$PATH"
    export PATH
    hash -r
fi
