"""Reads --stats' translator line for bench/cpu's tools."""


def no_code(line):
    """Hot-tier builds waiting at the end with no compiled code at all (the line's "N waiting (M with compiled code)": N - M),
    or None where the line does not say (no hot tier, or no WhiteBox API to ask: M is -1)."""
    try:
        rest = line.split("hot tier (C2): ", 1)[1]
        waiting = rest.split(" waiting (")[0].rsplit(" ", 1)[-1]
        with_code = rest.split(" waiting (")[1].split(" with compiled code")[0]
        n, m = int(waiting.replace(",", "")), int(with_code.replace(",", ""))
    except (IndexError, ValueError):
        return None
    return n - m if m >= 0 else None
