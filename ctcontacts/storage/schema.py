"""The names of the schema's migrations, in order: what ``db`` checks a file against
without importing sqlite-utils, and what ``migrations`` registers its steps under."""

MIGRATION_SET = "ctcontacts"
# Every migration this version knows, in order; tests/test_layout.py holds this
# list equal to the functions migrations.py registers.
KNOWN_MIGRATIONS = ("m001_initial", "m002_spans_tz", "m003_duty_rules_without_rowid",
                    "m004_contacts_dated_until", "m005_network_flags", "m006_trust", "m007_phone_formats",
                    "m008_dated_by_start")
