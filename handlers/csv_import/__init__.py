"""Import the public strike dataset (CSV, one row per weapon model per report) as silent history."""

from handlers.csv_import.importer import ImportReport, import_csv, read_reports
from handlers.csv_import.reader import CsvFormatError, ReadLimits

__all__ = ["CsvFormatError", "ImportReport", "ReadLimits", "import_csv", "read_reports"]
