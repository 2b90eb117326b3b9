"""Import memory benchmark: peak RSS and time of `strikebot import-csv` on a generated 50 MB dataset file.

The file repeats the shipped dataset with each copy's reports under new
`source` names, so it has the dataset's shape (about two rows per report) and
about 66 times its reports. The import runs as a child process (the CLI, on a
temporary SQLite database) and its peak RSS is the child's ru_maxrss.
Run: .venv/bin/python bench/import_memory.py [--mb 50] [--gz]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path


def generate(path: Path, size: int, *, gz: bool) -> tuple[int, int]:
    """Write about `size` bytes of dataset rows to `path`; (rows, reports) written."""
    raw = gzip.decompress(resources.files("seeds").joinpath("missile_attacks_daily.csv.gz").read_bytes())
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    original = list(reader)
    fields = list(reader.fieldnames or [])
    sources = {row["source"] for row in original}
    rows = written = copies = 0
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        while written < size:
            buffer = io.StringIO()
            copy = csv.DictWriter(buffer, fieldnames=fields)
            for row in original:
                copy.writerow({**row, "source": f"{row['source']}-copy{copies}"})
            chunk = buffer.getvalue()
            out.write(chunk)
            written += len(chunk.encode())
            rows += len(original)
            copies += 1
    return rows, len(sources) * copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mb", type=float, default=50, help="size of the generated CSV text in MB (default 50)")
    parser.add_argument("--gz", action="store_true", help="write the file as .csv.gz")
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("strikebot")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("dataset.csv.gz" if args.gz else "dataset.csv")
        rows, reports = generate(path, int(args.mb * 1_000_000), gz=args.gz)
        print(
            f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB on disk, ~{args.mb:g} MB of text, "
            f"{rows:,} rows, {reports:,} reports"
        )
        env = dict(os.environ, STRIKEBOT_DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.db'}")
        t = time.perf_counter()
        done = subprocess.run([str(exe), "import-csv", str(path)], capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - t
        if done.returncode != 0:
            sys.exit(f"import failed: {done.stderr.strip()[-500:]}")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        print(done.stdout.strip())
        print(f"{'import-csv peak RSS':<30} {peak_mb:>8.0f} MB   ({peak_mb / args.mb:.1f}× the file's text)")
        print(f"{'import-csv time':<30} {elapsed:>8.1f} s    ({rows / elapsed:,.0f} rows/s)")


if __name__ == "__main__":
    main()
