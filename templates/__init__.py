"""The shipped attachment templates (package data of youyi_xl; the .xlsx files are what a clerk edits)."""
