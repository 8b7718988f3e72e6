"""Win-back (Rückgewinnung); the kernel reads `MODULE` (core.winback.module)."""
