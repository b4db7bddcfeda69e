"""Crash and fault tests (`make test-faults`): kill -9, database restarts, disk full,
clock steps and hostile targets, each against real processes and sockets on 127.0.0.1."""
