"""The AI router (SPEC 7): use cases, prompts, masking, escalation, budgets, cache, fallback."""
