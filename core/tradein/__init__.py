"""Trade-in funnel (Ankauf); the kernel reads `MODULE` (core.tradein.module)."""
