"""Annual quality report and the demo office."""
