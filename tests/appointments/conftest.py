from tests.appointments_support import counters, kind, location

__all__ = ["counters", "kind", "location"]
