"""What runs beside student code: the answer protocol, notebook execution and the
registry of argument decoders and request ops (in the sandboxed worker and in self-check)."""
