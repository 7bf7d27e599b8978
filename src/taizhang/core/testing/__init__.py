"""Test helpers shared by every app's tests: personas, the scoping walk, the audit probe."""
