"""Local fake servers of external systems, speaking their real protocols (tests, make run)."""
