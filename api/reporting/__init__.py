"""Reporting for analysts (SPEC 9): their logins; the views are SQL (R__89_reporting.sql)."""
