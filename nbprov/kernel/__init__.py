"""What runs inside the kernel: the recorder's hooks, and the GC freeze at start-up."""
