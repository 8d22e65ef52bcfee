#!/usr/bin/env python3
"""Writes a keys file (SPEC §10) of N keys for benchmarks: key i is keva_bench_ and i in 7 digits, consumer
bench-<i>, no plan. Only each key's SHA-256 is written, as sluice expects.

    scripts/make-keys-file.py N PATH
"""
import hashlib
import sys


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: make-keys-file.py N PATH")
    count, path = int(sys.argv[1]), sys.argv[2]
    with open(path, "w", encoding="ascii") as out:
        out.write(f"# {count} benchmark keys: keva_bench_0000000 to keva_bench_{count - 1:07d} (scripts/make-keys-file.py)\n")
        for i in range(count):
            digest = hashlib.sha256(f"keva_bench_{i:07d}".encode()).hexdigest()
            out.write(f'{{"id": "bench-{i}", "sha256": "{digest}"}}\n')


if __name__ == "__main__":
    main()
