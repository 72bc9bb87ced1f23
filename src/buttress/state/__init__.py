"""Operation history -> current roles, failures and node states (no scheduling decisions)."""
