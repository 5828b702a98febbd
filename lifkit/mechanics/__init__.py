"""Mechanics that know nothing of cases: dates, files, resources, PDF text drawing."""
