"""The limits a spec must stay within: every hostile-input guard reads its number here.

docs/spec.md ("Limits") documents them; the codes that enforce them are CS000 (file size),
CS003 (nesting), CS017 (expanded size), CS026 (composition depth) and CS105 (digits).
"""
#: Expanded layers one spec may produce: repeat counts multiply, and a typo such as
#: ``repeat: 1000000000`` must fail at once rather than fill the memory.  1,000,000 took
#: 84 s in ``cnnshape model``; 100,000 convolutions answer in under 7 s (benchmarks/limits.py).
MAX_LAYERS = 100_000
#: Values a spec may hold once its YAML aliases are written out (see _Builder.node).
MAX_EXPANDED = 4_000_000  # as before MAX_LAYERS came down: aliases are measured apart
#: Largest spec file read (a 100k-layer spec is about 3 MiB).
MAX_BYTES = 64 * 2**20
#: Digits read as a number; longer is refused (int() stops at 4,300 anyway).
MAX_DIGITS = 100
#: A diagnostic quoting a value is cut to this many characters.
MAX_MESSAGE = 300
#: YAML nesting deeper than this is refused before it is walked.
MAX_DEPTH = 64
#: Lists of layers inside lists of layers (block bodies, branches, repeats): the expander
#: recurses a few frames per level, and Python stops near 1,000 frames.
MAX_NESTING = 100
