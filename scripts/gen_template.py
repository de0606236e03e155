#!/usr/bin/env python3
"""Generate a deep and wide template outline for tana's benchmarks.

Usage: python3 scripts/gen_template.py N OUT.md [LEVELS]

Writes a Markdown outline of exactly N themes in LEVELS levels (default 6): each theme has
up to `fan` children, with `fan` chosen so that the tree reaches N themes at the deepest
level. Names are invented syllables with a fixed seed, unique among siblings, so the output
is identical on every run.
"""
import random
import sys

SYLL = ["ka", "lo", "mi", "su", "te", "ra", "no", "vi", "de", "pa", "zu", "ge", "fo", "hi", "be"]


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    levels = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    rng = random.Random(20261202)
    fan = 2
    while sum(fan ** k for k in range(1, levels + 1)) < n:
        fan += 1
    lines = []
    made = 0
    counter = 0

    def name():
        nonlocal counter
        counter += 1
        return "".join(rng.choice(SYLL) for _ in range(3)).capitalize() + f" {counter}"

    def grow(depth):
        nonlocal made
        for _ in range(fan):
            if made >= n:
                return
            made += 1
            lines.append("  " * depth + f"- {name()}: Definition of a theme at level {depth + 1}.")
            if depth + 1 < levels:
                grow(depth + 1)

    grow(0)
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{made} themes, {levels} levels, fan {fan}", file=sys.stderr)


if __name__ == "__main__":
    main()
