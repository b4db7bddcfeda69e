"""The ``hosts`` feature: host checks from agent reports, and ``[[host_checks]]`` groups."""
