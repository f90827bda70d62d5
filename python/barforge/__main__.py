"""python -m barforge report DATASET [-o report.html]"""

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m barforge", description="barforge's Python tools")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="draw a dataset on one self-contained HTML page")
    report.add_argument("dataset", help="a samples file or a directory of parts")
    report.add_argument("-o", "--output", default="report.html", help="the HTML file to write (default: report.html)")
    report.add_argument("--rows", type=int, default=20_000, help="rows in the sample drawn (default: 20000)")
    args = parser.parse_args(argv)
    from barforge._report import report as make_report
    try:
        out = make_report(args.dataset, args.output, max_rows=args.rows)
    except (OSError, ValueError) as error:
        print(f"barforge: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
