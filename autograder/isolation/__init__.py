"""Stage A: where student code runs. One long-lived sandbox per slot (`sandbox`: bubblewrap or
Docker), the warm worker inside it (`worker`, with `protocol` and `forward`, which it imports as
siblings), and the grader's handle on one submission (`session`)."""
