#!/usr/bin/env python3
"""Generate a synthetic benchmark study for tana.

Usage: python3 scripts/gen_bench.py N OUTDIR

Writes into OUTDIR:
  P0001.txt .. PNNNN.txt  N synthetic interview transcripts of about 8,000 words,
                          one paragraph per speaker turn ("Interviewer: ..." /
                          "P12: ..."), turns separated by blank lines
  template.md             a nested Markdown outline of 25 themes in 3 levels
  codings.csv             transcript,theme,segment: 50 codings per transcript

All text is pseudo-random nonsense built from invented syllables with a fixed
seed, so the output is identical on every run (for the same N).
Segment k is speaker turn k (every turn is a single paragraph).
"""
import csv
import os
import random
import sys

SEED = 20240611
WORDS_PER_TRANSCRIPT = 8000
CODINGS_PER_TRANSCRIPT = 50

ONSETS = ["b", "br", "c", "d", "dr", "f", "g", "gl", "h", "k", "l", "m", "n",
          "p", "pl", "r", "s", "st", "t", "tr", "v", "w", "z"]
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ou", "ee", "oa"]
CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "x"]


def make_vocabulary(rng, size):
    words = set()
    while len(words) < size:
        w = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI)
                    for _ in range(rng.choice((1, 1, 2, 2, 3))))
        w += rng.choice(CODAS)
        words.add(w)
    words = sorted(words)
    rng.shuffle(words)
    return words


def make_sentence(rng, vocab, lo=5, hi=18):
    n = rng.randint(lo, hi)
    # Zipf-like choice (log-uniform rank): word r is about 1/r as frequent.
    v = len(vocab)
    ws = [vocab[min(int(v ** rng.random()) - 1, v - 1)] for _ in range(n)]
    if n > 8 and rng.random() < 0.3:
        ws[rng.randint(2, n - 3)] += ","
    s = " ".join(ws)
    end = "?" if rng.random() < 0.08 else "."
    return s[0].upper() + s[1:] + end


def make_turn(rng, vocab, lo_sent, hi_sent):
    return " ".join(make_sentence(rng, vocab)
                    for _ in range(rng.randint(lo_sent, hi_sent)))


def make_transcript(rng, vocab, participant):
    """Return the list of turns (strings, with speaker label)."""
    turns = []
    words = 0
    interviewer = True
    while words < WORDS_PER_TRANSCRIPT:
        if interviewer:
            body = make_turn(rng, vocab, 1, 3)
            turns.append("Interviewer: " + body)
        else:
            body = make_turn(rng, vocab, 6, 22)
            turns.append("P%d: %s" % (participant, body))
        words += len(body.split())
        interviewer = not interviewer
    return turns


def make_template(rng, vocab):
    """25 themes: 4 top-level, 12 second-level, 9 third-level.

    Returns (markdown_text, list_of_full_paths)."""
    def name(prefix):
        return "%s %s" % (prefix, rng.choice(vocab).capitalize())

    lines = ["# Synthetic benchmark template", ""]
    paths = []
    n3 = 0
    for a in "ABCD":
        top = "Theme %s %s" % (a, rng.choice(vocab).capitalize())
        lines.append("- %s: %s" % (top, make_sentence(rng, vocab)))
        paths.append(top)
        for s in range(1, 4):
            sub = "Sub %s%d %s" % (a, s, rng.choice(vocab).capitalize())
            lines.append("  - %s: %s" % (sub, make_sentence(rng, vocab)))
            paths.append("%s/%s" % (top, sub))
            kids = 1 if s < 3 else (1 if n3 < 9 and a == "D" else 0)
            for k in range(kids):
                det = "Detail %s%d%s %s" % (a, s, "abc"[k],
                                           rng.choice(vocab).capitalize())
                lines.append("    - %s: %s" % (det, make_sentence(rng, vocab)))
                paths.append("%s/%s/%s" % (top, sub, det))
                n3 += 1
    assert len(paths) == 25, len(paths)
    return "\n".join(lines) + "\n", paths


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_bench.py N OUTDIR")
    n = int(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(SEED)
    vocab = make_vocabulary(rng, 3000)

    template, paths = make_template(rng, vocab)
    with open(os.path.join(out, "template.md"), "w", encoding="utf-8") as f:
        f.write(template)

    width = max(4, len(str(n)))
    with open(os.path.join(out, "codings.csv"), "w", encoding="utf-8",
              newline="") as cf:
        w = csv.writer(cf, lineterminator="\n")
        w.writerow(["transcript", "theme", "segment"])
        for i in range(1, n + 1):
            name = "P%0*d" % (width, i)
            turns = make_transcript(rng, vocab, i)
            with open(os.path.join(out, name + ".txt"), "w",
                      encoding="utf-8") as f:
                f.write("\n\n".join(turns) + "\n")
            # 50 distinct (theme, segment) pairs, listed in segment order.
            pairs = set()
            while len(pairs) < CODINGS_PER_TRANSCRIPT:
                pairs.add((rng.randint(1, len(turns)), rng.randrange(len(paths))))
            for seg, t in sorted(pairs):
                w.writerow([name, paths[t], seg])


if __name__ == "__main__":
    main()
